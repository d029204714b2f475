package owed

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// The schema is Slack's (slackapi/manifest-schema, MIT License).
const schemaFile = "testdata/slack-manifest.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(compileECMARegexp) // the schema's patterns use lookahead
	if err := c.AddResource(schemaFile, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func manifestDoc(t *testing.T) map[string]any {
	t.Helper()
	raw, err := yaml.YAMLToJSON(Manifest)
	if err != nil {
		t.Fatalf("manifest.yml is not YAML: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestManifest_ValidAgainstSlackSchema(t *testing.T) {
	schema := compileSchema(t)
	doc := manifestDoc(t)
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("manifest.yml does not match Slack's schema: %v", err)
	}

	t.Run("HTTPVariantFromTheREADME", func(t *testing.T) {
		doc := manifestDoc(t)
		features := doc["features"].(map[string]any)
		cmd := features["slash_commands"].([]any)[0].(map[string]any)
		cmd["url"] = "https://owed.example.com/slack/commands"
		settings := doc["settings"].(map[string]any)
		settings["socket_mode_enabled"] = false
		settings["interactivity"].(map[string]any)["request_url"] = "https://owed.example.com/slack/interactions"
		if err := schema.Validate(doc); err != nil {
			t.Fatalf("HTTP variant: %v", err)
		}
	})
}

func TestManifest_HasWhatOwedNeeds(t *testing.T) {
	doc := manifestDoc(t)
	var scopes []string
	for _, s := range doc["oauth_config"].(map[string]any)["scopes"].(map[string]any)["bot"].([]any) {
		scopes = append(scopes, s.(string))
	}
	for _, want := range []string{"commands", "chat:write", "chat:write.public", "users:read", "usergroups:read", "im:write"} {
		if !slices.Contains(scopes, want) {
			t.Errorf("bot scope %s missing", want)
		}
	}
	cmds := doc["features"].(map[string]any)["slash_commands"].([]any)
	if len(cmds) != 1 || cmds[0].(map[string]any)["command"] != "/owed" {
		t.Errorf("slash commands = %v", cmds)
	}
	settings := doc["settings"].(map[string]any)
	if settings["socket_mode_enabled"] != true || settings["interactivity"].(map[string]any)["is_enabled"] != true {
		t.Errorf("settings = %v", settings)
	}
}

// ecmaRegexp adapts regexp2 (ECMAScript syntax, as JSON Schema patterns
// use) to jsonschema.Regexp.
type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

func (r ecmaRegexp) String() string { return r.re.String() }

func compileECMARegexp(pattern string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRegexp{re}, nil
}
