package blocks

import (
	"github.com/slack-go/slack"
)

// Message is what owed posts: Block Kit blocks and the plain-text fallback
// that notifications, screen readers and old clients show. Text is always
// set and makes sense on its own.
type Message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// message builds a Message, keeping the fallback within Slack's limit and
// the blocks within a message's.
func message(text string, blocks ...slack.Block) Message {
	if len(blocks) > MaxMessageBlocks {
		blocks = blocks[:MaxMessageBlocks]
	}
	return Message{Text: clipMrkdwn(text, MaxMessageText), Blocks: blocks}
}

// mrkdwn is a mrkdwn text object. verbatim keeps Slack from turning bare
// words into links or mentions; owed writes its own <@U…> explicitly.
func mrkdwn(s string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.MarkdownType, Text: s, Verbatim: true}
}

// plain is a plain_text text object.
func plain(s string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.PlainTextType, Text: s}
}

// section is a section block of mrkdwn text, clipped to the section limit.
func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clipMrkdwn(text, MaxSectionText)), nil, nil)
}

// sectionID is a section with a block ID.
func sectionID(blockID, text string) *slack.SectionBlock {
	s := section(text)
	s.BlockID = blockID
	return s
}

// fieldsSection is a section of up to ten mrkdwn fields, each clipped,
// with optional text above them.
func fieldsSection(text string, fields ...string) *slack.SectionBlock {
	if len(fields) > MaxSectionFields {
		fields = fields[:MaxSectionFields]
	}
	objs := make([]*slack.TextBlockObject, len(fields))
	for i, f := range fields {
		objs[i] = mrkdwn(clipMrkdwn(f, MaxFieldText))
	}
	var t *slack.TextBlockObject
	if text != "" {
		t = mrkdwn(clipMrkdwn(text, MaxSectionText))
	}
	return slack.NewSectionBlock(t, objs, nil)
}

// header is a header block, cut to the header limit.
func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(truncate(text, MaxHeaderText)))
}

// contextBlock is a context block of mrkdwn elements (at most ten, each
// clipped to the section limit); empty strings are left out.
func contextBlock(texts ...string) *slack.ContextBlock {
	var els []slack.MixedElement
	for _, t := range texts {
		if t != "" && len(els) < MaxContextElements {
			els = append(els, mrkdwn(clipMrkdwn(t, MaxSectionText)))
		}
	}
	return slack.NewContextBlock("", els...)
}

// button is a button with a label, action ID and value.
func button(actionID, label, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(truncate(label, MaxButtonText)))
}

// confirm is a confirmation dialog. Slack allows 100 characters of title,
// 300 of text and 30 of each button.
func confirm(title, text, yes, no string) *slack.ConfirmationBlockObject {
	return &slack.ConfirmationBlockObject{
		Title:   plain(truncate(title, 100)),
		Text:    mrkdwn(clipMrkdwn(text, MaxConfirmText)),
		Confirm: plain(truncate(yes, 30)),
		Deny:    plain(truncate(no, 30)),
	}
}
