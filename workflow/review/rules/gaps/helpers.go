package gaps

import (
	"github.com/pgrollout/pgrollout/workflow/review/rule"
	"github.com/pgrollout/pgrollout/workflow/schema"
)

// primaryKeyColumn returns the table's single primary key column as the
// model knows it, or "id" when it does not.
func primaryKeyColumn(c *rule.Context, table schema.QualifiedName) string {
	if t := c.Table(table.String()); t != nil && t.PrimaryKey != nil && len(t.PrimaryKey.Columns) == 1 {
		return t.PrimaryKey.Columns[0]
	}
	return "id"
}

// sibling names an object in the same schema as q.
func sibling(q schema.QualifiedName, name string) schema.QualifiedName {
	return schema.QualifiedName{Schema: q.Schema, Name: rule.Clip(name)}
}
