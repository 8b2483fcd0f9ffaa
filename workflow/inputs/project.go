package inputs

import (
	"strings"

	"github.com/pgrollout/pgrollout/workflow"
	"github.com/pgrollout/pgrollout/workflow/internal/jsonpos"
)

// projectRecord is project.json.
type projectRecord struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ParseProject reads project.json: {"name": "...", "description": "..."},
// both optional. A missing or blank name becomes DefaultName; a name must
// pass workflow.ValidateName.
func ParseProject(name string, data []byte) (workflow.ProjectMeta, error) {
	doc, err := jsonpos.Parse(name, data)
	if err != nil {
		return workflow.ProjectMeta{}, err
	}
	var rec projectRecord
	if err := doc.Decode(&rec); err != nil {
		return workflow.ProjectMeta{}, err
	}
	meta := workflow.ProjectMeta{
		Name:        strings.TrimSpace(rec.Name),
		Description: strings.TrimSpace(rec.Description),
	}
	if meta.Name == "" {
		meta.Name = DefaultName
	}
	if err := workflow.ValidateName(meta.Name); err != nil {
		return workflow.ProjectMeta{}, doc.Locate(err, "name")
	}
	return meta, nil
}
