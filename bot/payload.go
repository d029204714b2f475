package bot

import (
	"encoding/json"

	"github.com/slack-go/slack"
)

// decodeInteraction reads an interaction payload as slack-go does, less
// the blocks of its view and of its messages: owed reads a form's values
// from the view's state and a message by its channel and ts, never from
// their blocks, and decoding blocks into Block Kit types is most of the
// work of reading a payload (a modal's form, an alert's invoice lines).
func decodeInteraction(payload []byte) (*slack.InteractionCallback, error) {
	type (
		callback slack.InteractionCallback
		view     slack.View
		message  slack.Message
	)
	cb := &slack.InteractionCallback{}
	wire := struct {
		*callback
		View struct {
			*view
			Blocks ignored `json:"blocks"`
		} `json:"view"`
		Message struct {
			*message
			Blocks ignored `json:"blocks"`
		} `json:"message"`
		OriginalMessage struct {
			*message
			Blocks ignored `json:"blocks"`
		} `json:"original_message"`
	}{callback: (*callback)(cb)}
	wire.View.view = (*view)(&cb.View)
	wire.Message.message = (*message)(&cb.Message)
	wire.OriginalMessage.message = (*message)(&cb.OriginalMessage)
	if err := json.Unmarshal(payload, &wire); err != nil {
		return nil, err
	}
	// As slack.InteractionCallback.UnmarshalJSON does with the state.
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.RawState) > 0 {
			if err := json.Unmarshal(cb.RawState, &cb.BlockActionState); err != nil {
				return nil, err
			}
		}
	case slack.InteractionTypeDialogSubmission:
		cb.State = string(cb.RawState)
	}
	return cb, nil
}

// ignored is a JSON value that is checked for syntax and not read.
type ignored struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (*ignored) UnmarshalJSON([]byte) error { return nil }
