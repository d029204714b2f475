// Command owed is the receivables-collections Slack bot and its command line:
// serve the bot, run the sandbox, import CSV files, run the overdue sweep and
// print reports.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	_ "time/tzdata" // business time zones work on machines without tzdata

	"github.com/owedhq/owed/collections"
)

// What the build information is when nothing set it.
const (
	unsetVersion = "dev"
	unsetCommit  = "unknown"
)

// Build information, set with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = unsetVersion
	commit  = unsetCommit
)

// usageError is bad command-line usage: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// command is one `owed` subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what a command reads and writes besides its arguments; tests
// replace it.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string

	atExit []func() // run by Main once the command has returned, last first
}

// onExit has f run once the command has returned (and closed what it
// opened), whatever its outcome.
func (e *Env) onExit(f func()) { e.atExit = append(e.atExit, f) }

func commands() []command {
	return []command{
		{"serve", "run the bot: HTTP server and scheduler", runServe},
		{"dev", "run the bot against the built-in Slack sandbox with demo data", runDev},
		{"migrate", "apply database migrations", runMigrate},
		{"import", "load a CSV file: owed import customers|invoices|payments FILE [--dry-run]", runImport},
		{"sweep", "run the overdue sweep once [--as-of DATE] [--dry-run]", runSweep},
		{"show", "what a customer owes: owed show CUSTOMER [--as-of DATE] [--json]", runShow},
		{"aging", "aging report per currency [--as-of DATE] [--json]", runAging},
		{"history", "every action, contact and email of a customer: owed history CUSTOMER [--json]", runHistory},
		{"templates", "list the reminder templates and where each comes from", runTemplates},
		{"preview", "a reminder rendered: owed preview TEMPLATE CUSTOMER [--as-of DATE]", runPreview},
		{"version", "print version and commit", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(Main(ctx, env, os.Args[1:]))
}

// Main runs one command and returns the process exit code: 0 ok, 1 failure,
// 2 bad usage.
func Main(ctx context.Context, env *Env, args []string) int {
	err := run(ctx, env, args)
	for i := len(env.atExit) - 1; i >= 0; i-- {
		env.atExit[i]()
	}
	env.atExit = nil
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "owed: %s\nRun 'owed -h' for usage.\n", ue.msg)
		return 2
	}
	var amb *collections.AmbiguousError
	var imp *collections.ImportError
	switch {
	case errors.As(err, &amb):
		fmt.Fprintf(env.Stderr, "owed: %q matches several customers:\n", amb.Query)
		for _, c := range amb.Candidates {
			fmt.Fprintf(env.Stderr, "  %s\n", c.Label())
		}
	case errors.As(err, &imp):
		fmt.Fprintln(env.Stderr, imp.Error())
		fmt.Fprintf(env.Stderr, "owed: %s\n", imp.Summary())
	case collections.ErrorCode(err) == collections.EINTERNAL:
		fmt.Fprintf(env.Stderr, "owed: %v\n", err)
	default:
		fmt.Fprintf(env.Stderr, "owed: %s\n", collections.ErrorMessage(err))
	}
	return 1
}

func run(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(env.Stdout)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	return usagef("unknown command %q", args[0])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "owed — get paid: overdue invoices, worked from Slack.")
	fmt.Fprintln(w, "\nUsage: owed COMMAND [flags]\n\nCommands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'owed COMMAND -h' for a command's flags. Settings come from the environment (see README).")
}

// newFlagSet returns a flag set for a subcommand whose -h prints usage
// followed by the flags.
func newFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package's own words on a bad flag are dropped: the caller
	// reports it once, with a pointer to -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: owed %s\n", usage)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments, and returns the positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	// The usage goes out for -h only, not after a bad flag as the flag
	// package would.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseFlags parses the flags of a command that takes no positional
// arguments, and refuses any as bad usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = usagef("%s takes no arguments, got %q", fs.Name(), joinArgs(pos))
	}
	return err
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		v, c = buildVersion(v, c, info)
	}
	fmt.Fprintf(env.Stdout, "owed %s (commit %s)\n", v, c)
	return nil
}

// buildVersion fills in what -ldflags did not set from what the Go
// toolchain recorded in the binary: the module version of `go install
// …@version`, and the commit of a `go build` in a checkout (with
// "-dirty" when it had uncommitted changes).
func buildVersion(version, commit string, info *debug.BuildInfo) (string, string) {
	if version == unsetVersion && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	if commit != unsetCommit {
		return version, commit
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return version, commit
	}
	rev = rev[:min(len(rev), 7)]
	if dirty {
		rev += "-dirty"
	}
	return version, rev
}

// joinArgs joins positional words, so `owed show acme corp` needs no quotes.
func joinArgs(args []string) string { return strings.TrimSpace(strings.Join(args, " ")) }
