package collections_test

import (
	"reflect"
	"testing"

	"github.com/owedhq/owed/collections"
)

func TestParseStages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []int
	}{
		{"DefaultIsAsWritten", "1,7,14,30,60,90", []int{1, 7, 14, 30, 60, 90}},
		{"SortsStagesGivenOutOfOrder", "30,1,14,7", []int{1, 7, 14, 30}},
		{"DropsDuplicates", "7,1,7,14,1", []int{1, 7, 14}},
		{"TrimsSpaces", " 1 , 7 ,\t14 ", []int{1, 7, 14}},
		{"OneStage", "45", []int{45}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseStages(tt.in)
			if err != nil {
				t.Fatalf("ParseStages(%q) error: %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseStages(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseStages_Refuses(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"Zero", "0"},
		{"ZeroAmongValidStages", "1,0,7"},
		{"Negative", "-7"},
		{"Word", "x"},
		{"WordAmongValidStages", "1,x,14"},
		{"Empty", ""},
		{"EmptyField", "1,,7"},
		{"TrailingComma", "1,7,"},
		{"Fraction", "1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collections.ParseStages(tt.in)
			if err == nil {
				t.Fatalf("ParseStages(%q) = %v, want an error", tt.in, got)
			}
			if code := collections.ErrorCode(err); code != collections.EINVALID {
				t.Fatalf("ParseStages(%q) error code = %q, want %q", tt.in, code, collections.EINVALID)
			}
			if got != nil {
				t.Fatalf("ParseStages(%q) returned stages %v along with its error", tt.in, got)
			}
		})
	}
}

func TestStageFor(t *testing.T) {
	tests := []struct {
		name        string
		daysOverdue int
		want        int
	}{
		{"DueTodayIsNoStage", 0, 0},
		{"NotYetDueIsNoStage", -3, 0},
		{"OneDayIsStageOne", 1, 1},
		{"SixDaysIsStillStageOne", 6, 1},
		{"SevenDaysIsStageSeven", 7, 7},
		{"ThirteenDaysIsStillStageSeven", 13, 7},
		{"FourteenDaysIsStageFourteen", 14, 14},
		{"TwentyNineDaysIsStillStageFourteen", 29, 14},
		{"ThirtyDaysIsStageThirty", 30, 30},
		{"SixtyDaysIsStageSixty", 60, 60},
		{"EightyNineDaysIsStillStageSixty", 89, 60},
		{"NinetyDaysIsStageNinety", 90, 90},
		{"FourHundredDaysStaysAtTheLastStage", 400, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collections.StageFor(tt.daysOverdue, collections.DefaultStages); got != tt.want {
				t.Fatalf("StageFor(%d, %v) = %d, want %d", tt.daysOverdue, collections.DefaultStages, got, tt.want)
			}
		})
	}
}

func TestStageFor_UsesTheConfiguredStages(t *testing.T) {
	stages, err := collections.ParseStages("45,10")
	if err != nil {
		t.Fatal(err)
	}
	for days, want := range map[int]int{1: 0, 9: 0, 10: 10, 30: 10, 44: 10, 45: 45, 90: 45} {
		if got := collections.StageFor(days, stages); got != want {
			t.Errorf("StageFor(%d, %v) = %d, want %d", days, stages, got, want)
		}
	}
}

func TestDefaultStages_AreTheSpecDefault(t *testing.T) {
	// OWED_STAGES defaults to 1,7,14,30,60,90.
	want, err := collections.ParseStages("1,7,14,30,60,90")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(collections.DefaultStages, want) {
		t.Fatalf("DefaultStages = %v, want %v", collections.DefaultStages, want)
	}
}

func TestCaseStatusQuiet(t *testing.T) {
	// The sweep skips customers that are snoozed, on an active
	// payment plan, or escalated (an escalation waiting for approval too).
	tests := []struct {
		status collections.CaseStatus
		want   bool
	}{
		{collections.CaseOpen, false},
		{collections.CaseSnoozed, true},
		{collections.CasePlanProposed, false},
		{collections.CasePlanActive, true},
		{collections.CaseEscalationPending, true},
		{collections.CaseEscalated, true},
		{collections.CaseSettled, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			if got := tt.status.Quiet(); got != tt.want {
				t.Fatalf("CaseStatus(%q).Quiet() = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

func TestEscalationTarget(t *testing.T) {
	// Final notice, collections agency, legal, internal manager.
	tests := []struct {
		name      string
		target    collections.EscalationTarget
		wantValid bool
		wantLabel string
	}{
		{"FinalNotice", collections.TargetFinalNotice, true, "final notice"},
		{"CollectionsAgency", collections.TargetAgency, true, "collections agency"},
		{"Legal", collections.TargetLegal, true, "legal"},
		{"InternalManager", collections.TargetInternalManager, true, "internal manager"},
		{"EmptyIsInvalid", "", false, ""},
		{"UnknownIsInvalidAndLabelledAsIs", "bailiff", false, "bailiff"},
		{"LabelIsNotATarget", "collections agency", false, "collections agency"},
		{"UpperCaseIsInvalid", "LEGAL", false, "LEGAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.target.Valid(); got != tt.wantValid {
				t.Errorf("EscalationTarget(%q).Valid() = %v, want %v", tt.target, got, tt.wantValid)
			}
			if got := tt.target.Label(); got != tt.wantLabel {
				t.Errorf("EscalationTarget(%q).Label() = %q, want %q", tt.target, got, tt.wantLabel)
			}
		})
	}
}

func TestEscalationTargets_OffersTheFourTargetsInOrder(t *testing.T) {
	want := []collections.EscalationTarget{
		collections.TargetFinalNotice,
		collections.TargetAgency,
		collections.TargetLegal,
		collections.TargetInternalManager,
	}
	if !reflect.DeepEqual(collections.EscalationTargets, want) {
		t.Fatalf("EscalationTargets = %v, want %v", collections.EscalationTargets, want)
	}
}
