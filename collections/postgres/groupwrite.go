package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/lib/pq"

	"github.com/owedhq/owed/collections"
)

// Actions whose whole effect is the case's new status, its audit entry and
// the messages that show it are written in groups (see group): a group
// reads its cases in one query and writes them in one statement, so under
// a burst of clicks each round trip serves many clicks instead of one, and
// a lone click still takes two round trips.

// statusWrite is one action waiting to be written with its group.
type statusWrite struct {
	caseID      int64
	action      collections.CaseAction
	actor       collections.Actor
	until       *time.Time
	auditAction string
	details     string // the audit entry's details, as JSON

	// Set by the group: written is true when the action took effect (or
	// was a repeat, which writes nothing), with the case as it is now.
	written bool
	c       collections.Case
}

// writeStatusesSQL writes actions' new statuses, each provided its case is
// still at the version read, with their audit entries, and queues the
// messages that show them, in one statement. It returns the cases written.
// One array element per case: $1 the case, $2 the status, $3 the
// quiet-until date, $4 the action, $5 the actor, $6 whether the case
// ends, $7 the version read, $8 the audit entry's action, $9 its details.
var writeStatusesSQL = `
WITH input AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::date[], $4::text[], $5::text[], $6::bool[], $7::int[], $8::text[], $9::jsonb[])
                      AS i(in_id, in_status, in_until, in_action, in_actor, in_ends, in_version, in_audit, in_details)),
changed AS (UPDATE cases SET ` + setStatusTo("in_status", "in_until", "in_action", "in_actor", "in_ends") + `
              FROM input WHERE id = in_id AND version = in_version
            RETURNING ` + caseColumns + `, in_actor, in_audit, in_details),
` + recordAndShow("in_actor", "in_audit", "in_details") + `
SELECT ` + caseColumns + `, (SELECT count(pg_notify('owed_outbox', '')) FROM (SELECT count(*) FROM queued) q) AS notified FROM changed`

// writeStatuses writes a group: it reads the cases, asks the lifecycle
// about each action, and writes the accepted ones in one statement. A
// write is left unwritten, for the caller's locked path, when the
// lifecycle refuses it or needs more facts than the case, when its case
// changed since it was read, when an earlier write of the group is for
// the same case, or when the group fails.
func (s *CaseService) writeStatuses(ctx context.Context, group []*statusWrite) {
	ids := make([]int64, len(group))
	for i, w := range group {
		ids[i] = w.caseID
	}
	var rows []caseRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+caseColumns+` FROM cases WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return
	}
	cases := make(map[int64]collections.Case, len(rows))
	for _, r := range rows {
		cases[r.ID] = r.domain()
	}
	var in struct {
		ids, versions                             []int64
		statuses, actions, actors, audits, detail []string
		until                                     []sql.NullString
		ends                                      []bool
	}
	pending := map[int64]*statusWrite{}
	for _, w := range group {
		c, ok := cases[w.caseID]
		if !ok || pending[w.caseID] != nil {
			continue
		}
		t, ok := collections.TransitionFor(c.Status, w.action)
		if !ok || t.Guard != collections.NoGuard {
			continue
		}
		d, err := collections.DecideDated(collections.CaseFacts{Case: c}, w.action, w.actor, w.until)
		if err != nil {
			continue
		}
		if d.Repeat {
			w.written, w.c = true, c
			continue
		}
		pending[w.caseID] = w
		var until sql.NullString
		if q, ok := quietUntil(d.To, w.until).(time.Time); ok {
			until = sql.NullString{String: q.Format(collections.DateLayout), Valid: true}
		}
		in.ids, in.versions = append(in.ids, c.ID), append(in.versions, int64(c.Version))
		in.statuses, in.actions, in.actors = append(in.statuses, string(d.To)), append(in.actions, string(w.action)), append(in.actors, w.actor.UserID)
		in.audits, in.detail = append(in.audits, w.auditAction), append(in.detail, w.details)
		in.until, in.ends = append(in.until, until), append(in.ends, d.To.Terminal())
	}
	if len(pending) == 0 {
		return
	}
	var written []struct {
		caseRow
		Notified int `db:"notified"`
	}
	if err := s.db.SelectContext(ctx, &written, writeStatusesSQL, pq.Array(in.ids), pq.Array(in.statuses), pq.Array(in.until),
		pq.Array(in.actions), pq.Array(in.actors), pq.Array(in.ends), pq.Array(in.versions), pq.Array(in.audits), pq.Array(in.detail)); err != nil {
		return
	}
	for _, r := range written {
		if w := pending[r.ID]; w != nil {
			w.written, w.c = true, r.domain()
		}
	}
}
