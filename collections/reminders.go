package collections

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Reminder emails: which template fits a case, when a case should not be
// emailed without a second thought (the contact gap and the quiet
// states), and the policy and send window of courtesy reminders.

// The reminder templates, in the order of their use.
const (
	TemplateCourtesy    = "courtesy"     // before the due date
	TemplateReminder    = "reminder"     // overdue
	TemplateFirm        = "firm"         // 30 days or more overdue
	TemplateFinalNotice = "final_notice" // the last word before an agency or legal action
)

// ReminderTemplates lists the templates in the order of their use.
var ReminderTemplates = []string{TemplateCourtesy, TemplateReminder, TemplateFirm, TemplateFinalNotice}

// FirmAfterDays is the days overdue from which the firm template is chosen.
const FirmAfterDays = 30

// TemplatePurpose says when a template is used.
func TemplatePurpose(name string) string {
	switch name {
	case TemplateCourtesy:
		return "before the due date: a friendly heads-up"
	case TemplateReminder:
		return "overdue: a polite reminder with a payment plan offered"
	case TemplateFirm:
		return "30+ days overdue: firmer, asks for payment or a call by a date"
	case TemplateFinalNotice:
		return "the final notice, after an approved escalation to final notice"
	}
	return ""
}

// KnownTemplate reports whether name is a reminder template.
func KnownTemplate(name string) bool {
	for _, t := range ReminderTemplates {
		if t == name {
			return true
		}
	}
	return false
}

// TemplateFor chooses the template of a case's stage: the final notice
// once an escalation to final notice was approved, firm from 30 days
// overdue, reminder when overdue, courtesy otherwise.
func TemplateFor(v CaseView) string {
	if e := v.Escalation; e != nil && e.Status == EscalationApproved && e.Target == TargetFinalNotice && v.Case.Status == CaseEscalated {
		return TemplateFinalNotice
	}
	switch {
	case v.OldestDays >= FirmAfterDays:
		return TemplateFirm
	case v.OldestDays > 0:
		return TemplateReminder
	}
	return TemplateCourtesy
}

// TemplateInvoices are the invoices a template speaks of, oldest due
// first, leaving out those in dispute: for courtesy, those not yet due;
// for reminder, firm and final_notice, the overdue ones. None: the
// template has nothing true to say (NothingToRemind).
func TemplateInvoices(template string, invoices []OpenInvoice) []OpenInvoice {
	wantOverdue := template != TemplateCourtesy
	var out []OpenInvoice
	for _, inv := range invoices {
		if !inv.Disputed && (inv.DaysOverdue > 0) == wantOverdue {
			out = append(out, inv)
		}
	}
	return out
}

// NothingToRemind says that a template has no invoice of the customer to
// speak of: "ACME Corp. has nothing overdue to remind about."
func NothingToRemind(template, customer string) string {
	who := customer
	if who == "" {
		who = "The customer"
	}
	if template == TemplateCourtesy {
		return who + " has no invoice coming due to send a courtesy reminder about."
	}
	return who + " has nothing overdue to remind about (invoices in dispute stay out)."
}

// EmailDraft is an email written from a template, before it is queued.
type EmailDraft struct {
	Subject string
	Text    string
	HTML    string
}

// HoldKind is a reason not to email a customer without a second thought.
type HoldKind string

// The holds on a reminder.
const (
	HoldContactGap HoldKind = "contact_gap" // emailed less than the contact gap ago
	HoldSnoozed    HoldKind = "snoozed"     // the case is snoozed
	HoldPlan       HoldKind = "plan"        // on a payment plan in good standing
	HoldPromised   HoldKind = "promised"    // the customer promised to pay
	HoldEscalated  HoldKind = "escalated"   // escalated to a collections agency or legal
)

// Hold is one reason to think twice before emailing, with its facts.
type Hold struct {
	Kind      HoldKind
	LastEmail time.Time        // HoldContactGap: when the last email left, or may leave if still queued
	Waiting   bool             // HoldContactGap: the last email is still waiting to leave
	GapDays   int              // HoldContactGap: OWED_CONTACT_GAP_DAYS
	Until     *time.Time       // HoldSnoozed, HoldPromised: until when
	Target    EscalationTarget // HoldEscalated
}

// Words says the hold for the person about to send: "ACME Corp. was
// emailed 2 days ago; the contact gap is 5 days."
func (h Hold) Words(customer string, today time.Time) string {
	who := nameOr(customer)
	switch h.Kind {
	case HoldContactGap:
		if h.Waiting {
			return who + " has an email waiting to leave on " + h.LastEmail.Format(DateLayout) + "; the contact gap is " + strconv.Itoa(h.GapDays) + " days."
		}
		ago := DaysBetween(h.LastEmail, today)
		when := "today"
		switch {
		case ago == 1:
			when = "yesterday"
		case ago > 1:
			when = strconv.Itoa(ago) + " days ago"
		}
		return who + " was last emailed " + when + " (" + h.LastEmail.Format(DateLayout) + "); the contact gap is " + strconv.Itoa(h.GapDays) + " days."
	case HoldSnoozed:
		if h.Until != nil {
			return "The case is snoozed until " + h.Until.Format(DateLayout) + "."
		}
		return "The case is snoozed."
	case HoldPlan:
		return who + " is on a payment plan in good standing."
	case HoldPromised:
		if h.Until != nil {
			return who + " promised to pay by " + h.Until.Format(DateLayout) + "."
		}
		return who + " promised to pay."
	case HoldEscalated:
		return "The case was escalated to " + h.Target.Label() + "."
	}
	return string(h.Kind)
}

// ReminderFacts is what the reminder rules look at: the case (nil when
// the customer has no live case), its latest escalation, when the
// customer was last emailed, and the contact gap.
type ReminderFacts struct {
	Customer   string
	Case       *Case
	Escalation *Escalation
	LastEmail  *time.Time // when the last email to the customer left, or may leave if still queued
	// LastEmailWaiting: the last email is still queued, held until later
	// (the send window, a retry).
	LastEmailWaiting bool
	GapDays          int
	Now              time.Time
	Location         *time.Location // the business time zone, whose days the gap counts (default UTC)
	PromisedBy       *time.Time     // the date of the case's open promise, if any
}

// ReminderHolds are the reasons to think twice before emailing: within
// the contact gap, or while the case is snoozed, on a plan in good
// standing, promised, or escalated to a collections agency or legal.
func ReminderHolds(f ReminderFacts) []Hold {
	var out []Hold
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	// The gap is in days of the calendar: emailed on Monday, with a gap
	// of 5, the customer may be emailed again from Saturday on, whatever
	// the hour.
	if f.LastEmail != nil && f.GapDays > 0 && DaysBetween(DateIn(*f.LastEmail, loc), DateIn(f.Now, loc)) < f.GapDays {
		out = append(out, Hold{Kind: HoldContactGap, LastEmail: f.LastEmail.In(loc), GapDays: f.GapDays, Waiting: f.LastEmailWaiting})
	}
	if c := f.Case; c != nil {
		switch c.Status {
		case CaseSnoozed:
			out = append(out, Hold{Kind: HoldSnoozed, Until: c.SnoozedUntil})
		case CasePlanActive:
			out = append(out, Hold{Kind: HoldPlan})
		case CasePromised:
			out = append(out, Hold{Kind: HoldPromised, Until: f.PromisedBy})
		case CaseEscalated:
			if e := f.Escalation; e != nil && e.Status == EscalationApproved && (e.Target == TargetAgency || e.Target == TargetLegal) {
				out = append(out, Hold{Kind: HoldEscalated, Target: e.Target})
			}
		}
	}
	return out
}

// HoldsWords says every hold, one sentence each.
func HoldsWords(holds []Hold, customer string, today time.Time) string {
	words := make([]string, len(holds))
	for i, h := range holds {
		words[i] = h.Words(customer, today)
	}
	return strings.Join(words, " ")
}

// ReminderDecision is the answer of the reminder rules to a send.
type ReminderDecision struct {
	Holds      []Hold
	SendAnyway bool // sent despite holds: the history records it
}

// DecideReminder applies the reminder rules to a reminder a person sends
// from a case: the lifecycle must allow it (the case is live), and when
// there are holds it is sent only with "Send anyway" ticked. A refusal
// is an *Error whose message says why.
func DecideReminder(f CaseFacts, rf ReminderFacts, actor Actor, sendAnyway bool) (ReminderDecision, error) {
	t, ok := TransitionFor(f.Case.Status, ActSendReminder)
	if !ok || t.Who == System {
		return ReminderDecision{}, Changed(f.Customer, f.Case)
	}
	holds := ReminderHolds(rf)
	if len(holds) > 0 && !sendAnyway {
		return ReminderDecision{Holds: holds}, Errorf(ECONFLICT, "%s Tick “Send anyway” to send it all the same.", HoldsWords(holds, f.Customer, rf.Now))
	}
	return ReminderDecision{Holds: holds, SendAnyway: len(holds) > 0}, nil
}

// ReminderPolicy is who presses send on courtesy reminders and on the
// emails of stage alerts.
type ReminderPolicy string

// The reminder policies.
const (
	RemindersOff     ReminderPolicy = "off"     // owed sends no reminders by itself
	RemindersApprove ReminderPolicy = "approve" // owed prepares them, people press send
	RemindersAuto    ReminderPolicy = "auto"    // owed sends them
)

// ParseReminderPolicy parses OWED_REMINDERS.
func ParseReminderPolicy(s string) (ReminderPolicy, error) {
	switch p := ReminderPolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case RemindersOff, RemindersApprove, RemindersAuto:
		return p, nil
	}
	return "", Errorf(EINVALID, "%q is not off, approve or auto", s)
}

// SendWindow is when customer emails may leave, in the customer's time
// zone: some weekdays between two times of day, or always.
type SendWindow struct {
	Always   bool
	Days     [7]bool // by time.Weekday
	From, To int     // times of day on the wall clock, in minutes (09:30 is 570); From < To
}

// DefaultSendWindow is Monday to Friday, 09:00 to 17:00.
const DefaultSendWindow = "Mon-Fri 09:00-17:00"

// weekdays are the names a send window's days may take, by time.Weekday:
// short or in full, in any case.
var weekdays = [7][]string{
	{"sun", "sunday"}, {"mon", "monday"}, {"tue", "tues", "tuesday"}, {"wed", "wednesday"},
	{"thu", "thur", "thurs", "thursday"}, {"fri", "friday"}, {"sat", "saturday"},
}

// ParseSendWindow parses OWED_SEND_WINDOW: "always", or days and hours
// like "Mon-Fri 09:00-17:00", "Mon,Wed,Fri 10:00-16:00", "Mon-Sun 08:00-20:00".
// Spaces after the commas and around the dashes are allowed
// ("Mon, Wed, Fri 10:00 - 16:00").
func ParseSendWindow(s string) (SendWindow, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "always") {
		return SendWindow{Always: true}, nil
	}
	bad := Errorf(EINVALID, "%q is not a send window (like %q, or always)", s, DefaultSendWindow)
	// The days are what comes before the hours, the first digit: day
	// names have none.
	i := strings.IndexAny(s, "0123456789")
	if i <= 0 || strings.TrimRightFunc(s[:i], unicode.IsSpace) == s[:i] {
		return SendWindow{}, bad
	}
	days, hours := s[:i], s[i:]
	var w SendWindow
	for _, part := range strings.Split(days, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		names := []string{from}
		if isRange {
			names = append(names, to)
		}
		for _, n := range names {
			switch n = strings.TrimSpace(n); {
			case n == "":
				return SendWindow{}, bad
			case weekdayIndex(n) < 0:
				return SendWindow{}, Errorf(EINVALID, "%q is not a send window: %q is not a day (like Mon or Monday)", s, n)
			}
		}
		a, b := weekdayIndex(from), weekdayIndex(to)
		if !isRange {
			b = a
		}
		for d := a; ; d = (d + 1) % 7 {
			w.Days[d] = true
			if d == b {
				break
			}
		}
	}
	start, end, ok := strings.Cut(strings.TrimSpace(hours), "-")
	if !ok {
		return SendWindow{}, bad
	}
	var err1, err2 error
	w.From, err1 = clockMinutes(start)
	w.To, err2 = clockMinutes(end)
	if err1 != nil || err2 != nil || w.From == w.To {
		return SendWindow{}, bad
	}
	if w.From > w.To {
		return SendWindow{}, Errorf(EINVALID, "%q is not a send window: overnight windows (shutting the next morning, like 17:00-09:00) are not supported; give hours that open and shut on the same day, like 09:00-17:00", s)
	}
	return w, nil
}

// weekdayIndex is the time.Weekday of a day's name, or -1.
func weekdayIndex(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, names := range weekdays {
		for _, n := range names {
			if n == s {
				return i
			}
		}
	}
	return -1
}

func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "24:00" {
			return 24 * 60, nil
		}
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Next returns the first instant at or after t inside the window, in
// loc: t itself when the window is open. The window opens and shuts at
// the times the clocks in loc show, on the days they change too.
func (w SendWindow) Next(t time.Time, loc *time.Location) time.Time {
	if w.Always {
		return t
	}
	local := t.In(loc)
	for i := 0; i < 8; i++ {
		y, m, d := local.Year(), local.Month(), local.Day()+i
		if !w.Days[time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()] {
			continue
		}
		// Built from the wall clock, not as minutes after midnight: on a
		// day the clocks change, 09:00 is not nine hours after 00:00.
		open := time.Date(y, m, d, w.From/60, w.From%60, 0, 0, loc)
		shut := time.Date(y, m, d, w.To/60, w.To%60, 0, 0, loc)
		if i == 0 && !local.Before(open) && local.Before(shut) {
			return t
		}
		if local.Before(open) {
			return open
		}
	}
	return t // a window with no days: never held back
}

// CustomerLocation is the time zone of a customer's send window: its
// own when set and known, else the business's.
func CustomerLocation(c Customer, business *time.Location) *time.Location {
	if c.Timezone != "" {
		if loc, err := time.LoadLocation(c.Timezone); err == nil {
			return loc
		}
	}
	return business
}
