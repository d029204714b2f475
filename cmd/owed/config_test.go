package main

import (
	"strings"
	"testing"
)

func TestServe_RefusesIncompleteConfigNamingEachSetting(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"OWED_APPROVERS": "U024BE7LH,bob", "OWED_STAGES": "1,x", "OWED_TIMEZONE": "Mars/Olympus"}}
	r := c.run("", "serve")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{"DATABASE_URL", "SLACK_BOT_TOKEN", "OWED_CHANNEL", "SLACK_SIGNING_SECRET",
		`OWED_APPROVERS: "bob"`, "OWED_STAGES", "OWED_TIMEZONE"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, r.stderr)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	full := map[string]string{
		"DATABASE_URL": "postgres://x", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
		"OWED_CHANNEL": "C0123ABCD", "OWED_APPROVERS": "U024BE7LH, S0614TZR7",
	}
	needs := configNeeds{database: true, slack: true, approve: true}
	t.Run("DefaultsFromTheSpec", func(t *testing.T) {
		cfg, err := loadConfig(func(k string) string { return full[k] }, needs)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.SweepCron != "0 9 * * 1-5" || cfg.Addr != ":8080" || cfg.APIURL != "https://slack.com/api/" ||
			cfg.Location.String() != "UTC" || len(cfg.Stages) != 6 || cfg.Stages[5] != 90 || cfg.SocketMode() {
			t.Errorf("defaults: %+v", cfg)
		}
		if len(cfg.Approvers) != 2 || cfg.Approvers[1] != "S0614TZR7" {
			t.Errorf("approvers = %v", cfg.Approvers)
		}
	})
	t.Run("SocketModeNeedsNoSigningSecret", func(t *testing.T) {
		env := map[string]string{"SLACK_APP_TOKEN": "xapp-1"}
		for k, v := range full {
			env[k] = v
		}
		delete(env, "SLACK_SIGNING_SECRET")
		cfg, err := loadConfig(func(k string) string { return env[k] }, needs)
		if err != nil || !cfg.SocketMode() {
			t.Errorf("socket mode config: %v", err)
		}
	})
	t.Run("RejectsMalformedValues", func(t *testing.T) {
		for k, v := range map[string]string{"SLACK_BOT_TOKEN": "xoxp-user", "OWED_CHANNEL": "#collections",
			"SLACK_APP_TOKEN": "xoxb-oops", "OWED_SWEEP_CRON": "every day", "OWED_PLAN_GRACE_DAYS": "-1"} {
			env := map[string]string{}
			for fk, fv := range full {
				env[fk] = fv
			}
			env[k] = v
			if _, err := loadConfig(func(n string) string { return env[n] }, needs); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s=%q: err = %v", k, v, err)
			}
		}
	})
}
