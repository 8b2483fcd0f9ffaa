package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/pgrollout/pgrollout/workflow/pgread"
)

// Live connects read-only to dsn ("" for the libpq environment), collects
// a snapshot and analyzes it. With an interval it collects a second
// snapshot that much later and analyzes the delta between the two (rates
// over the interval, see Delta) instead of the totals since the last
// statistics reset. progress, when set, hears what is happening.
func Live(ctx context.Context, dsn string, interval time.Duration, progress func(string)) (LiveResult, error) {
	say := func(s string) {
		if progress != nil {
			progress(s)
		}
	}
	say("connecting to " + describe(dsn))
	c, err := pgread.Open(ctx, dsn)
	if err != nil {
		return LiveResult{}, err
	}
	say("connected to " + c.Target())
	defer c.Close(context.WithoutCancel(ctx))
	say("reading statistics")
	s, err := Collect(ctx, c)
	if err != nil {
		return LiveResult{}, err
	}
	s.Source = c.Target()
	res := LiveResult{Snapshot: s}
	analyzed := s
	if interval > 0 {
		say(fmt.Sprintf("waiting %s for the second snapshot", interval))
		select {
		case <-ctx.Done():
			return LiveResult{}, ctx.Err()
		case <-time.After(interval):
		}
		say("reading statistics again")
		s2, err := Collect(ctx, c)
		if err != nil {
			return LiveResult{}, err
		}
		s2.Source = s.Source
		d, notes, err := Delta(s, s2)
		if err != nil {
			return LiveResult{}, fmt.Errorf("interval of %s: %w", interval, err)
		}
		res.First, res.Snapshot, res.Notes, analyzed = s, s2, notes, d
	}
	say("running the checks")
	res.Report = Analyze(analyzed)
	if res.First != nil {
		res.Report.Window = fmt.Sprintf("%s between two snapshots (%s to %s): rates, not totals",
			span(res.Snapshot.CapturedAt.Sub(res.First.CapturedAt)), rfc3339(res.First.CapturedAt), rfc3339(res.Snapshot.CapturedAt))
	}
	res.Snapshot.Report = &res.Report
	return res, nil
}

// describe names a connection string for progress messages.
func describe(dsn string) string {
	if dsn == "" {
		return "the server the PG* environment names"
	}
	return pgread.Redacted(dsn)
}
