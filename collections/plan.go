package collections

import (
	"strconv"
	"time"
)

// PlanFrequency is how often instalments fall due.
type PlanFrequency string

// The instalment frequencies.
const (
	Weekly   PlanFrequency = "weekly"
	Biweekly PlanFrequency = "biweekly"
	Monthly  PlanFrequency = "monthly"
)

// PlanFrequencies lists the frequencies in the order offered.
var PlanFrequencies = []PlanFrequency{Weekly, Biweekly, Monthly}

// Label is the frequency in words.
func (f PlanFrequency) Label() string {
	switch f {
	case Weekly:
		return "weekly"
	case Biweekly:
		return "every 2 weeks"
	case Monthly:
		return "monthly"
	}
	return string(f)
}

// Limits on a payment plan's number of instalments.
const (
	MinInstalments = 2
	MaxInstalments = 24
)

// PlanStatus is where a payment plan stands.
type PlanStatus string

// The statuses of a plan.
const (
	PlanProposed  PlanStatus = "proposed"
	PlanActive    PlanStatus = "active"
	PlanBroken    PlanStatus = "broken"
	PlanCompleted PlanStatus = "completed"
	PlanCancelled PlanStatus = "cancelled"
)

// PlanProposal is what the Payment plan modal asks for.
type PlanProposal struct {
	Currency    string        `json:"currency"`
	Total       int64         `json:"total"` // minor units the plan covers
	Instalments int           `json:"instalments"`
	Frequency   PlanFrequency `json:"frequency"`
	FirstDueOn  time.Time     `json:"first_due"`
	DownPayment int64         `json:"down_payment,omitempty"` // minor units due at once, optional
}

// Instalment is one scheduled payment of a plan. Seq 0 is the down payment.
type Instalment struct {
	Seq    int
	DueOn  time.Time
	Amount int64
}

// Plan is a payment plan and its schedule.
type Plan struct {
	ID         int64
	CaseID     int64
	Status     PlanStatus
	Proposal   PlanProposal
	Schedule   []Instalment
	ProposedBy string
	AgreedBy   string
	AgreedOn   *time.Time
	Paid       int64 // paid towards the plan since it was agreed
}

// PlanFields are the keys of PlanProposal.Validate's problems, in the
// order of the form.
var PlanFields = []string{"instalments", "frequency", "first_due", "down_payment"}

// Validate checks a proposal against today, returning problems keyed by
// field: "instalments", "frequency", "first_due", "down_payment".
func (p PlanProposal) Validate(today time.Time) map[string]string {
	problems := map[string]string{}
	if p.Instalments < MinInstalments || p.Instalments > MaxInstalments {
		problems["instalments"] = "Choose between 2 and 24 instalments."
	}
	switch p.Frequency {
	case Weekly, Biweekly, Monthly:
	default:
		problems["frequency"] = "Choose how often instalments fall due."
	}
	if p.FirstDueOn.IsZero() {
		problems["first_due"] = "Choose the first due date."
	} else if p.FirstDueOn.Before(today) {
		problems["first_due"] = "The first instalment cannot fall due in the past."
	}
	if p.DownPayment < 0 {
		problems["down_payment"] = "The down payment cannot be negative."
	} else if p.Total > 0 && p.DownPayment >= p.Total {
		problems["down_payment"] = "The down payment must be less than the " + Money{p.Total, p.Currency}.String() + " owed."
	}
	if p.Total <= 0 {
		problems["instalments"] = "There is nothing overdue to put on a plan."
	} else if rest := p.Total - p.DownPayment; p.Instalments > 0 && rest > 0 && rest < int64(p.Instalments) {
		// Some instalment would be zero: blame the input that can fix it.
		switch {
		case p.DownPayment > 0 && p.Instalments > MinInstalments:
			problems["down_payment"] = "That down payment leaves " + Money{rest, p.Currency}.String() + " for " +
				strconv.Itoa(p.Instalments) + " instalments: lower the down payment or choose fewer instalments."
		case p.DownPayment > 0:
			problems["down_payment"] = "That down payment leaves " + Money{rest, p.Currency}.String() +
				", too little for 2 instalments: lower the down payment."
		case p.Instalments > MinInstalments:
			problems["instalments"] = "That many instalments would leave some of them at zero; choose fewer."
		default:
			problems["instalments"] = Money{p.Total, p.Currency}.String() + " is too little to pay in instalments."
		}
	}
	return problems
}

// Schedule splits the proposal into instalments: the down payment (if any)
// due today, then equal instalments from the first due date, the remainder
// of the division on the last one so the sum is exact.
func (p PlanProposal) Schedule(today time.Time) []Instalment {
	var out []Instalment
	rest := p.Total
	if p.DownPayment > 0 {
		out = append(out, Instalment{Seq: 0, DueOn: today, Amount: p.DownPayment})
		rest -= p.DownPayment
	}
	if p.Instalments <= 0 || rest <= 0 {
		return out
	}
	each := rest / int64(p.Instalments)
	for i := range p.Instalments {
		amount := each
		if i == p.Instalments-1 {
			amount = rest - each*int64(p.Instalments-1)
		}
		out = append(out, Instalment{Seq: i + 1, DueOn: p.dueDate(i), Amount: amount})
	}
	return out
}

func (p PlanProposal) dueDate(i int) time.Time {
	switch p.Frequency {
	case Weekly:
		return p.FirstDueOn.AddDate(0, 0, 7*i)
	case Biweekly:
		return p.FirstDueOn.AddDate(0, 0, 14*i)
	}
	// Monthly: the same day of the month, clamped to the month's end
	// (Jan 31 → Feb 28 → Mar 31).
	y, m, d := p.FirstDueOn.Date()
	first := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC)
}

// PlanCheck is how a plan stands against what has been paid.
type PlanCheck struct {
	Completed bool        // everything paid
	Missed    *Instalment // the first instalment not covered by its due date plus grace
	DueSoFar  int64       // sum of instalments due by today
}

// MissedPaid is how much of the missed instalment the payments towards
// the plan (paid, cumulative) did cover: 0 when none, or none missed.
func (c PlanCheck) MissedPaid(schedule []Instalment, paid int64) int64 {
	if c.Missed == nil {
		return 0
	}
	var before int64
	for i := range schedule {
		if &schedule[i] == c.Missed {
			break
		}
		before += schedule[i].Amount
	}
	return min(max(paid-before, 0), c.Missed.Amount)
}

// CheckPlan compares payments towards a plan (paid, cumulative) with its
// schedule as of today: an instalment is met when the cumulative payments
// cover every instalment up to it; one not met graceDays after its due date
// is missed.
func CheckPlan(schedule []Instalment, paid int64, today time.Time, graceDays int) PlanCheck {
	var res PlanCheck
	var cumulative, total int64
	for _, in := range schedule {
		total += in.Amount
	}
	res.Completed = total > 0 && paid >= total
	for i, in := range schedule {
		cumulative += in.Amount
		if !in.DueOn.After(today) {
			res.DueSoFar = cumulative
		}
		if res.Missed == nil && !res.Completed && paid < cumulative && DaysBetween(in.DueOn, today) > graceDays {
			res.Missed = &schedule[i]
		}
	}
	return res
}
