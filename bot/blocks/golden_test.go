package blocks

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json with the current output")

// golden compares v, as indented JSON, with testdata/NAME.golden.json, or
// rewrites the file with -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep <@U…> and &amp; readable
	if err := enc.Encode(v); err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	// slack-go marshals some nested objects itself, HTML-escaped; undo
	// that too so that goldens read like what Slack shows.
	got := []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(buf.String()))
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (run go test ./bot/blocks -update to create it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test ./bot/blocks -update to accept):\n%s", name, path, got)
	}
}
