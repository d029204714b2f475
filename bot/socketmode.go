package bot

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketHandlers bounds the Socket Mode events handled at once.
const socketHandlers = 64

// RunSocketMode serves slash commands and interactions over Socket Mode
// until ctx ends. The handlers are the same as over HTTP; Slack has
// authenticated the connection, so there is no request signature. Events
// are handled at once, each on its own (at most socketHandlers together),
// as HTTP requests are: a slow one holds up no other's answer.
//
// It returns when the connection, the loop that reads its events and
// every handler have ended.
func (b *Bot) RunSocketMode(ctx context.Context, client *socketmode.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan struct{})
	go func() {
		defer close(events)
		var handlers sync.WaitGroup
		defer handlers.Wait()
		slots := make(chan struct{}, socketHandlers)
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				handlers.Add(1)
				go func() {
					defer handlers.Done()
					defer func() { <-slots }()
					b.handleSocketEvent(ctx, client, evt)
				}()
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
			client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
			return
		}
		client.AckCtx(ctx, evt.Request.EnvelopeID, b.HandleCommand(ctx, cmd))
		b.metrics.latency.WithLabelValues("command").Observe(time.Since(start).Seconds())
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		if b.wrongTeam("interaction", cb.Team.ID) {
			client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
			return
		}
		if resp := b.HandleInteraction(ctx, &cb); resp != nil {
			client.AckCtx(ctx, evt.Request.EnvelopeID, resp)
		} else {
			client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
		b.metrics.latency.WithLabelValues("interaction").Observe(time.Since(start).Seconds())
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
	}
}
