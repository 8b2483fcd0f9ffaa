package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/pgrollout/pgrollout/workflow"
)

// Names inside a project's bucket.
const (
	keyMeta             = "meta"
	bucketDocuments     = "documents"
	bucketDecisions     = "decisions"
	bucketDecisionOrder = "decision-order"
)

// Projects lists the projects in the store, sorted by name ignoring case.
func (s *Store) Projects(ctx context.Context) ([]workflow.ProjectMeta, error) {
	var out []workflow.ProjectMeta
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = allMetas(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	slices.SortFunc(out, func(a, b workflow.ProjectMeta) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// CreateProject stores a new project with its documents and decisions in one
// transaction and returns its meta. The name is trimmed and must not be
// taken, ignoring case (ErrExists); the ID is the name's slug, with -2, -3, …
// appended when that is taken; CreatedAt is set to now when zero. The ID in
// p.Meta is ignored.
func (s *Store) CreateProject(ctx context.Context, p workflow.Project) (workflow.ProjectMeta, error) {
	return s.create(ctx, p, false)
}

// ImportProject stores p like CreateProject, but when its name is taken it
// picks the first free "Name (2)", "Name (3)", ... instead of refusing.
func (s *Store) ImportProject(ctx context.Context, p workflow.Project) (workflow.ProjectMeta, error) {
	return s.create(ctx, p, true)
}

func (s *Store) create(ctx context.Context, p workflow.Project, rename bool) (workflow.ProjectMeta, error) {
	if err := p.Validate(); err != nil {
		return workflow.ProjectMeta{}, fmt.Errorf("create project: %w", err)
	}
	m := p.Meta
	m.Name = strings.TrimSpace(m.Name)
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		base := m.Name
		for n := 2; ; n++ {
			err := nameFree(tx, m.Name, "")
			if err == nil {
				break
			}
			if !rename || !errors.Is(err, ErrExists) {
				return err
			}
			m.Name = fmt.Sprintf("%s (%d)", base, n)
		}
		all := tx.Bucket([]byte(bucketProjects))
		slug := workflow.Slug(m.Name)
		m.ID = slug
		for n := 2; all.Bucket([]byte(m.ID)) != nil; n++ {
			m.ID = fmt.Sprintf("%s-%d", slug, n)
		}
		pb, err := all.CreateBucket([]byte(m.ID))
		if err != nil {
			return err
		}
		if err := putRecord(pb, keyMeta, m); err != nil {
			return err
		}
		docs, err := pb.CreateBucket([]byte(bucketDocuments))
		if err != nil {
			return err
		}
		for _, d := range p.Documents {
			if err := appendRecord(docs, d); err != nil {
				return err
			}
		}
		for _, name := range []string{bucketDecisions, bucketDecisionOrder} {
			if _, err := pb.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		for _, d := range p.Decisions {
			if err := addDecision(pb, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return workflow.ProjectMeta{}, fmt.Errorf("create project %q: %w", m.Name, err)
	}
	return m, nil
}

// FindProject returns the project whose ID is nameOrID or, failing that, the
// one whose name is nameOrID ignoring case and surrounding spaces.
func (s *Store) FindProject(ctx context.Context, nameOrID string) (workflow.ProjectMeta, error) {
	var found workflow.ProjectMeta
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		if pb := tx.Bucket([]byte(bucketProjects)).Bucket([]byte(nameOrID)); pb != nil {
			var err error
			found, err = readMeta(pb, nameOrID)
			return err
		}
		metas, err := allMetas(tx)
		if err != nil {
			return err
		}
		name := strings.TrimSpace(nameOrID)
		for _, m := range metas {
			if strings.EqualFold(m.Name, name) {
				found = m
				return nil
			}
		}
		return fmt.Errorf("project %q %w", nameOrID, ErrNotFound)
	})
	if err != nil {
		return workflow.ProjectMeta{}, fmt.Errorf("find project: %w", err)
	}
	return found, nil
}

// LoadProject returns the project with the given ID: documents in stored
// order, decisions in creation order, each with its whole history.
func (s *Store) LoadProject(ctx context.Context, id string) (workflow.Project, error) {
	var p workflow.Project
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		pb, err := projectBucket(tx, id)
		if err != nil {
			return err
		}
		if p.Meta, err = readMeta(pb, id); err != nil {
			return err
		}
		docs, err := child(pb, bucketDocuments)
		if err != nil {
			return err
		}
		err = eachRecord(docs, "document", func(d workflow.Document) error {
			p.Documents = append(p.Documents, d)
			return nil
		})
		if err != nil {
			return fmt.Errorf("project %s: %w", id, err)
		}
		order, err := child(pb, bucketDecisionOrder)
		if err != nil {
			return err
		}
		err = eachRecord(order, "decision", func(did string) error {
			d, err := loadDecision(pb, did)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: decision %q is listed but missing", ErrCorrupt, did)
			}
			p.Decisions = append(p.Decisions, d)
			return err
		})
		if err != nil {
			return fmt.Errorf("project %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return workflow.Project{}, fmt.Errorf("load project: %w", err)
	}
	return p, nil
}

// RenameProject gives the project a new name, which must be valid and not
// taken by another project, ignoring case. The ID stays as it was.
func (s *Store) RenameProject(ctx context.Context, id, newName string) error {
	if err := workflow.ValidateName(newName); err != nil {
		return fmt.Errorf("rename project %s: %w", id, err)
	}
	name := strings.TrimSpace(newName)
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		pb, err := projectBucket(tx, id)
		if err != nil {
			return err
		}
		m, err := readMeta(pb, id)
		if err != nil {
			return err
		}
		if err := nameFree(tx, name, id); err != nil {
			return err
		}
		m.Name = name
		return putRecord(pb, keyMeta, m)
	})
	if err != nil {
		return fmt.Errorf("rename project %s: %w", id, err)
	}
	return nil
}

// DeleteProject removes the project and everything in it.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		if _, err := projectBucket(tx, id); err != nil {
			return err
		}
		return tx.Bucket([]byte(bucketProjects)).DeleteBucket([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete project: %w", err)
	}
	return nil
}

// projectBucket returns the bucket of project id, or ErrNotFound.
func projectBucket(tx *bbolt.Tx, id string) (*bbolt.Bucket, error) {
	pb := tx.Bucket([]byte(bucketProjects)).Bucket([]byte(id))
	if pb == nil {
		return nil, fmt.Errorf("project %q %w", id, ErrNotFound)
	}
	return pb, nil
}

// readMeta reads a project's meta record. The bucket's key is the project's ID.
func readMeta(pb *bbolt.Bucket, id string) (workflow.ProjectMeta, error) {
	var m workflow.ProjectMeta
	if err := getRecord(pb, keyMeta, &m); err != nil {
		return m, fmt.Errorf("project %s: %w", id, err)
	}
	m.ID = id
	return m, nil
}

// allMetas reads every project's meta record, in ID order.
func allMetas(tx *bbolt.Tx) ([]workflow.ProjectMeta, error) {
	all := tx.Bucket([]byte(bucketProjects))
	var out []workflow.ProjectMeta
	err := all.ForEachBucket(func(id []byte) error {
		m, err := readMeta(all.Bucket(id), string(id))
		out = append(out, m)
		return err
	})
	return out, err
}

// nameFree fails with ErrExists when a project other than exceptID is
// called name, ignoring case.
func nameFree(tx *bbolt.Tx, name, exceptID string) error {
	metas, err := allMetas(tx)
	if err != nil {
		return err
	}
	for _, m := range metas {
		if m.ID != exceptID && strings.EqualFold(m.Name, name) {
			return fmt.Errorf("a project named %q %w", m.Name, ErrExists)
		}
	}
	return nil
}
