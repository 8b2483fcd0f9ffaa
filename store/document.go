package store

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/pgrollout/pgrollout/workflow"
)

// AddDocument appends a document to a project, such as the snapshot of a
// live audit. A document of the same name is never replaced: that is
// ErrExists, and nothing is written.
func (s *Store) AddDocument(ctx context.Context, projectID string, d workflow.Document) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		pb, err := projectBucket(tx, projectID)
		if err != nil {
			return err
		}
		docs, err := child(pb, bucketDocuments)
		if err != nil {
			return err
		}
		exists := false
		err = eachRecord(docs, "document", func(old workflow.Document) error {
			exists = exists || old.Name == d.Name
			return nil
		})
		if err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("document %s: %w", d.Name, ErrExists)
		}
		return appendRecord(docs, d)
	})
	if err != nil {
		return fmt.Errorf("add document to project %s: %w", projectID, err)
	}
	return nil
}
