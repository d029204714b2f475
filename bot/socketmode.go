package bot

import (
	"context"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode serves slash commands and interactions over Socket Mode
// until ctx ends. The handlers are the same as over HTTP; Slack has
// authenticated the connection, so there is no request signature.
//
// It returns when both the connection and the loop that handles its
// events have ended.
func (b *Bot) RunSocketMode(ctx context.Context, client *socketmode.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan struct{})
	go func() {
		defer close(events)
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				b.handleSocketEvent(ctx, client, evt)
			}
		}
	}()
	err := client.RunContext(ctx)
	cancel() // the connection is gone: stop handling its events
	<-events
	return err
}

func (b *Bot) handleSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	start := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnected:
		b.log.InfoContext(ctx, "connected to Slack over Socket Mode")
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		if b.wrongTeam("command", cmd.TeamID) {
			client.Ack(*evt.Request)
			return
		}
		client.Ack(*evt.Request, b.HandleCommand(ctx, cmd))
		b.metrics.latency.WithLabelValues("command").Observe(time.Since(start).Seconds())
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		if b.wrongTeam("interaction", cb.Team.ID) {
			client.Ack(*evt.Request)
			return
		}
		if resp := b.HandleInteraction(ctx, cb); resp != nil {
			client.Ack(*evt.Request, resp)
		} else {
			client.Ack(*evt.Request)
		}
		b.metrics.latency.WithLabelValues("interaction").Observe(time.Since(start).Seconds())
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			client.Ack(*evt.Request)
		}
	}
}
