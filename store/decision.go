package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/pgrollout/pgrollout/workflow"
)

// Names inside a decision's bucket.
const (
	keyRecord     = "record"
	bucketHistory = "history"
)

// AddDecision stores a new decision, with its history, in a project. The
// decision must be valid, and its ID new to the project (ErrExists).
func (s *Store) AddDecision(ctx context.Context, projectID string, d workflow.Decision) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("add decision to project %s: %w", projectID, err)
	}
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		return addDecision(pb, d)
	})
	if err != nil {
		return fmt.Errorf("add decision to project %s: %w", projectID, err)
	}
	return nil
}

// AppendDecisionChange records a change of a decision and returns the
// decision as it now stands. The change must pass workflow.Decision.Change
// (a reason, an owner to accept, time moving forward); a zero At means now.
// The change is stored as a new history entry: earlier entries are never
// rewritten.
func (s *Store) AppendDecisionChange(ctx context.Context, projectID, decisionID string, c workflow.DecisionChange) (workflow.Decision, error) {
	if c.At.IsZero() {
		c.At = time.Now().UTC()
	}
	var d workflow.Decision
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		cur, err := loadDecision(pb, decisionID)
		if err != nil {
			return err
		}
		next, err := cur.Change(c)
		if err != nil {
			return err
		}
		db, err := child(pb, bucketDecisions)
		if err != nil {
			return err
		}
		history, err := child(db.Bucket([]byte(decisionID)), bucketHistory)
		if err != nil {
			return err
		}
		if err := appendRecord(history, next.Current()); err != nil {
			return err
		}
		d = next
		return nil
	})
	if err != nil {
		return workflow.Decision{}, fmt.Errorf("project %s: %w", projectID, err)
	}
	return d, nil
}

// addDecision writes decision d into project bucket pb: its record, its
// history entries, and its place in the decision order.
func addDecision(pb *bbolt.Bucket, d workflow.Decision) error {
	all, err := child(pb, bucketDecisions)
	if err != nil {
		return err
	}
	order, err := child(pb, bucketDecisionOrder)
	if err != nil {
		return err
	}
	db, err := all.CreateBucket([]byte(d.ID))
	if errors.Is(err, berrors.ErrBucketExists) {
		return fmt.Errorf("decision %q %w", d.ID, ErrExists)
	} else if err != nil {
		return fmt.Errorf("decision %q: %w", d.ID, err)
	}
	changes := d.History
	d.History = nil
	if err := putRecord(db, keyRecord, d); err != nil {
		return err
	}
	history, err := db.CreateBucket([]byte(bucketHistory))
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := appendRecord(history, c); err != nil {
			return err
		}
	}
	return appendRecord(order, d.ID)
}

// loadDecision reads decision id of project bucket pb with its history in
// append order.
func loadDecision(pb *bbolt.Bucket, id string) (workflow.Decision, error) {
	var d workflow.Decision
	all, err := child(pb, bucketDecisions)
	if err != nil {
		return d, err
	}
	db := all.Bucket([]byte(id))
	if db == nil {
		return d, fmt.Errorf("decision %q %w", id, ErrNotFound)
	}
	if err := getRecord(db, keyRecord, &d); err != nil {
		return d, fmt.Errorf("decision %s: %w", id, err)
	}
	history, err := child(db, bucketHistory)
	if err != nil {
		return d, fmt.Errorf("decision %s: %w", id, err)
	}
	d.History = nil
	err = eachRecord(history, "history entry", func(c workflow.DecisionChange) error {
		d.History = append(d.History, c)
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("decision %s: %w", id, err)
	}
	return d, nil
}
