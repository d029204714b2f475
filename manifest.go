// Package owed holds the files that describe the product as a whole, such
// as the Slack app manifest. The code lives in cmd/owed, bot and collections.
package owed

import _ "embed"

// Manifest is the Slack app manifest (manifest.yml): Socket Mode, the /owed
// command, interactivity and the bot scopes owed needs.
//
//go:embed manifest.yml
var Manifest []byte
