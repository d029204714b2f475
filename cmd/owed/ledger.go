package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/owedhq/owed/bot/blocks"
	"github.com/owedhq/owed/collections"
	"github.com/owedhq/owed/collections/postgres"
)

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "migrate", "migrate")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	url, err := localDatabaseURL(ctx, env)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "applied %d migrations; the schema is current\n", n)
	return nil
}

func runImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import", "import customers|invoices|payments FILE [--dry-run]\n\nFILE is a CSV file with a header row; - reads standard input.")
	dryRun := fs.Bool("dry-run", false, "validate the file and report what would change; change nothing")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("import needs a kind and a file: owed import customers|invoices|payments FILE")
	}
	kind := collections.ImportKind(pos[0])
	if _, ok := collections.Columns[kind]; !ok {
		return usagef("import: unknown kind %q (want customers, invoices or payments)", pos[0])
	}
	name, in := pos[1], env.Stdin
	if name == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return collections.Errorf(collections.EINVALID, "cannot open %s: %v", name, err)
		}
		defer f.Close()
		in = f
	}
	rows, err := collections.NewRowReader(in, name, kind)
	if err != nil {
		return err
	}
	today, err := asOfDate(env, "")
	if err != nil {
		return err
	}
	open := openDB
	if *dryRun {
		open = openReadOnlyDB // a dry run changes nothing, not even the schema
	}
	db, err := open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := postgres.NewImportService(db).Import(ctx, kind, rows, collections.ImportOptions{File: name, Today: today, DryRun: *dryRun})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, importSummary(name, kind, res, *dryRun))
	return nil
}

// importSummary says what an import did (or would do, on a dry run).
func importSummary(name string, kind collections.ImportKind, res collections.ImportResult, dryRun bool) string {
	if res.Rows == 0 {
		return name + ": the file has a header row and no data rows; nothing was imported"
	}
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing changed: would import"
	}
	noun := strings.TrimSuffix(string(kind), "s")
	out := fmt.Sprintf("%s: %s %s: %d created, %d updated, %d unchanged", name, verb,
		collections.Plural(res.Rows, noun+" row", noun+" rows"), res.Created, res.Updated, res.Unchanged)
	if res.Customers > 0 {
		out += "; " + collections.Plural(res.Customers, "new customer", "new customers")
	}
	return out
}

// agingJSON is the JSON shape of one currency's aging.
type agingJSON map[string]string

func agingToJSON(list []collections.Aging) []agingJSON {
	out := make([]agingJSON, 0, len(list))
	for _, a := range list {
		m := agingJSON{"currency": a.Currency, "total": collections.FormatAmount(a.Total(), a.Currency),
			"disputed": collections.FormatAmount(a.Disputed, a.Currency)}
		for b, v := range a.Buckets {
			m[collections.BucketNames[b]] = collections.FormatAmount(v, a.Currency)
		}
		out = append(out, m)
	}
	return out
}

func writeAgingTable(w io.Writer, list []collections.Aging) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "CURRENCY\t")
	for _, n := range collections.BucketNames {
		fmt.Fprintf(tw, "%s\t", strings.ToUpper(n))
	}
	fmt.Fprint(tw, "TOTAL\tIN DISPUTE\t\n")
	for _, a := range list {
		fmt.Fprintf(tw, "%s\t", a.Currency)
		for _, v := range a.Buckets {
			fmt.Fprintf(tw, "%s\t", collections.FormatAmount(v, a.Currency))
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", collections.FormatAmount(a.Total(), a.Currency), collections.FormatAmount(a.Disputed, a.Currency))
	}
	tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runAging(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "aging", "aging [--as-of DATE] [--json]")
	asOfFlag := fs.String("as-of", "", "report as of `DATE` (YYYY-MM-DD; default today in OWED_TIMEZONE)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	asOf, err := asOfDate(env, *asOfFlag)
	if err != nil {
		return err
	}
	db, err := openReadOnlyDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	report, err := postgres.NewLedgerService(db).Aging(ctx, asOf)
	if err != nil {
		return err
	}
	return printAging(env.Stdout, report, *asJSON)
}

func printAging(w io.Writer, report collections.AgingReport, asJSON bool) error {
	if asJSON {
		return writeJSON(w, map[string]any{"as_of": report.AsOf.Format(collections.DateLayout), "currencies": agingToJSON(report.Currencies)})
	}
	fmt.Fprintf(w, "Receivables aging as of %s\n\n", report.AsOf.Format(collections.DateLayout))
	if len(report.Currencies) == 0 {
		fmt.Fprintln(w, "Nothing is owed.")
		return nil
	}
	writeAgingTable(w, report.Currencies)
	return nil
}

func runShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "show", "show CUSTOMER [--as-of DATE] [--json]\n\nCUSTOMER is a name, a prefix, a ref or a near spelling.")
	asOfFlag := fs.String("as-of", "", "as of `DATE` (YYYY-MM-DD; default today in OWED_TIMEZONE)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	query := joinArgs(pos)
	if query == "" {
		return usagef("show needs a customer: owed show CUSTOMER")
	}
	asOf, err := asOfDate(env, *asOfFlag)
	if err != nil {
		return err
	}
	sum, kase, names, err := customerSummary(ctx, env, query, asOf)
	if err != nil {
		return err
	}
	if *asJSON {
		doc := summaryJSON(sum)
		if kase != nil {
			doc["case"] = caseJSON(*kase)
		}
		return writeJSON(env.Stdout, doc)
	}
	printSummary(env.Stdout, sum)
	if kase != nil {
		printCase(env.Stdout, *kase, names)
	}
	return nil
}

// caseJSON is the customer's live case in `owed show --json`: its status
// and stage, where it stands in words, and its latest actions.
func caseJSON(v collections.CaseView) map[string]any {
	c := map[string]any{"status": string(v.Case.Status), "stage": v.Case.Stage, "state": blocks.StateText(v)}
	if v.Case.SnoozedUntil != nil {
		c["quiet_until"] = v.Case.SnoozedUntil.Format(collections.DateLayout)
	}
	actions := make([]map[string]any, 0, len(v.LastActions))
	for _, e := range v.LastActions {
		actions = append(actions, map[string]any{"at": e.At.Format(time.RFC3339), "actor": e.Actor, "action": e.Action,
			"text": blocks.PlainText(blocks.ActionLine(e))})
	}
	c["last_actions"] = actions
	return c
}

// printCase prints the customer's live case: where it stands and its
// latest actions, newest first.
// printCase prints the case's state and latest actions; the people they
// mention are named with names (by Slack user ID) where owed has learnt them.
func printCase(w io.Writer, v collections.CaseView, names map[string]string) {
	fmt.Fprintln(w)
	state := blocks.StateText(v)
	if blocks.StageShown(v) {
		state += fmt.Sprintf(" · stage %d", v.Case.Stage)
	}
	fmt.Fprintf(w, "Case: %s\n", state)
	if len(v.LastActions) == 0 {
		return
	}
	fmt.Fprintln(w, "Latest actions:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range v.LastActions {
		fmt.Fprintf(tw, "  %s\t%s\n", e.At.Format("2006-01-02 15:04 MST"), blocks.PlainTextNamed(blocks.ActionLine(e), names))
	}
	tw.Flush()
}

func summaryJSON(sum collections.CustomerSummary) map[string]any {
	customer := map[string]any{"name": sum.Customer.Name, "ref": sum.Customer.Ref}
	for k, v := range map[string]string{"owner": sum.Customer.OwnerSlackID, "owner_name": sum.Customer.OwnerName, "email": sum.Customer.Email,
		"phone": sum.Customer.Phone, "tier": sum.Customer.Tier} {
		if v != "" {
			customer[k] = v
		}
	}
	invoices := make([]map[string]any, 0, len(sum.Invoices))
	for _, inv := range sum.Invoices {
		invoices = append(invoices, map[string]any{
			"number": inv.Number, "currency": inv.Currency,
			"amount":       collections.FormatAmount(inv.Amount, inv.Currency),
			"balance":      collections.FormatAmount(inv.Balance, inv.Currency),
			"issued_on":    inv.IssuedOn.Format(collections.DateLayout),
			"due_on":       inv.DueOn.Format(collections.DateLayout),
			"days_overdue": max(inv.DaysOverdue, 0),
			"disputed":     inv.Disputed,
		})
	}
	return map[string]any{"as_of": sum.AsOf.Format(collections.DateLayout), "customer": customer,
		"outstanding": agingToJSON(sum.Outstanding), "invoices": invoices}
}

func printSummary(w io.Writer, sum collections.CustomerSummary) {
	fmt.Fprintf(w, "%s — as of %s\n", sum.Customer.Label(), sum.AsOf.Format(collections.DateLayout))
	c := sum.Customer
	owner := c.OwnerSlackID
	if c.OwnerName != "" {
		owner = c.OwnerName + " (" + c.OwnerSlackID + ")"
	}
	for _, f := range [][2]string{{"Owner", owner}, {"Email", c.Email}, {"Phone", c.Phone}, {"Tier", c.Tier}} {
		if f[1] != "" {
			fmt.Fprintf(w, "%s: %s\n", f[0], f[1])
		}
	}
	fmt.Fprintln(w)
	if len(sum.Invoices) == 0 {
		fmt.Fprintln(w, "Nothing is owed.")
		return
	}
	writeAgingTable(w, sum.Outstanding)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INVOICE\tCURRENCY\tAMOUNT\tBALANCE\tISSUED\tDUE\tOVERDUE")
	for _, inv := range sum.Invoices {
		overdue := overdueText(inv.DaysOverdue)
		if inv.Disputed {
			overdue = "In dispute (" + inv.DisputeReason.Label() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inv.Number, inv.Currency,
			collections.FormatAmount(inv.Amount, inv.Currency), collections.FormatAmount(inv.Balance, inv.Currency),
			inv.IssuedOn.Format(collections.DateLayout), inv.DueOn.Format(collections.DateLayout), overdue)
	}
	tw.Flush()
}

func overdueText(days int) string {
	switch {
	case days <= 0:
		return "not yet due"
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// customerSummary is what `owed show` shows: the customer found
// forgivingly, what it owes as of asOf, its live case if it has one (nil
// otherwise) and the names owed learnt of Slack users, by ID, to name the
// people the case's actions mention. It reads the database without
// migrating it.
func customerSummary(ctx context.Context, env *Env, query string, asOf time.Time) (collections.CustomerSummary, *collections.CaseView, map[string]string, error) {
	var sum collections.CustomerSummary
	db, err := openReadOnlyDB(ctx, env)
	if err != nil {
		return sum, nil, nil, err
	}
	defer db.Close()
	ledger := postgres.NewLedgerService(db)
	c, err := ledger.FindCustomer(ctx, query)
	if err != nil {
		return sum, nil, nil, err
	}
	if sum, err = ledger.CustomerSummary(ctx, c.ID, asOf); err != nil {
		return sum, nil, nil, err
	}
	loc, err := businessLocation(env.Getenv)
	if err != nil {
		return sum, nil, nil, err
	}
	cases := postgres.NewCaseService(db, postgres.CaseConfig{})
	kase, err := cases.FindOpenCaseByCustomer(ctx, c.ID)
	switch {
	case collections.ErrorCode(err) == collections.ENOTFOUND:
		return sum, nil, nil, nil
	case err != nil:
		return sum, nil, nil, err
	}
	v, err := cases.FindCaseView(ctx, kase.ID, asOf)
	if err != nil {
		return sum, nil, nil, err
	}
	for i := range v.LastActions {
		v.LastActions[i].At = v.LastActions[i].At.In(loc)
	}
	names, err := ledger.SlackUserNames(ctx)
	if err != nil {
		return sum, nil, nil, err
	}
	return sum, &v, names, nil
}
