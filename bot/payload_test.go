package bot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/slack-go/slack"
)

// The payload is read as slack-go reads it, except for the blocks of the
// view and messages, which owed does not read.
func TestDecodeInteraction_ReadsWhatSlackGoReadsButBlocks(t *testing.T) {
	for _, name := range []string{"view_submission.json", "block_actions.json", "dialog_submission.json"} {
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			var want slack.InteractionCallback
			if err := json.Unmarshal(payload, &want); err != nil {
				t.Fatal(err)
			}
			if len(want.View.Blocks.BlockSet)+len(want.Message.Blocks.BlockSet) == 0 && want.Type != slack.InteractionTypeDialogSubmission {
				t.Fatal("the sample has no blocks: it would not show that they are skipped")
			}
			want.View.Blocks, want.Message.Blocks, want.OriginalMessage.Blocks = slack.Blocks{}, slack.Blocks{}, slack.Blocks{}
			got, err := decodeInteraction(payload)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("decoded differently from slack-go:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// What owed reads from each kind of payload is there.
func TestDecodeInteraction_KeepsWhatOwedReads(t *testing.T) {
	read := func(name string) *slack.InteractionCallback {
		payload, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		cb, err := decodeInteraction(payload)
		if err != nil {
			t.Fatal(err)
		}
		return cb
	}
	sub := read("view_submission.json")
	if sub.Team.ID != "T0OWED" || sub.User.ID != "U0MEMBER" || sub.View.ID != "V0SNOOZE01" || sub.View.CallbackID != "snooze" ||
		sub.View.PrivateMetadata != "case:42:7" || sub.View.Hash != "156663117.cd33ad1f" ||
		sub.View.State.Values["snooze_for"]["snooze_for"].SelectedOption.Value != "7" ||
		sub.View.State.Values["note"]["note"].Value != "they pay on Friday" || len(sub.ResponseURLs) != 1 {
		t.Errorf("view_submission read as %+v", sub)
	}
	act := read("block_actions.json")
	if act.Type != slack.InteractionTypeBlockActions || act.Message.Timestamp != "1781234567.000100" || act.Message.ThreadTimestamp != "1781234500.000100" ||
		act.Container.ChannelID != "C0COLLECT" || act.ResponseURL == "" || act.TriggerID == "" ||
		len(act.ActionCallback.BlockActions) != 1 || act.ActionCallback.BlockActions[0].ActionID != "snooze" ||
		act.ActionCallback.BlockActions[0].Value != "case:42:7" ||
		act.BlockActionState == nil || act.BlockActionState.Values["filter"]["pick"].SelectedOption.Value != "all" {
		t.Errorf("block_actions read as %+v", act)
	}
	if dlg := read("dialog_submission.json"); dlg.CallbackID != "old_dialog" || dlg.Submission["note"] != "called them" {
		t.Errorf("dialog_submission read as %+v", dlg)
	}
	for _, bad := range []string{``, `{`, `{"type":"block_actions","view":{"blocks":[}}`, `{"view":{"blocks":[]}} trailing`} {
		if _, err := decodeInteraction([]byte(bad)); err == nil {
			t.Errorf("%q decoded without error", bad)
		}
	}
}
