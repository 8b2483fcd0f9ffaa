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

// earlierOn returns the earlier statements of the file on the table or
// creating its partitions, in file order, found through the file's index.
func earlierOn(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table.String()) {
		if i >= c.Index {
			break
		}
		out = append(out, c.Statements[i])
	}
	return out
}

// laterOn returns the later statements of the file on the table or creating
// its partitions, in file order.
func laterOn(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table.String()) {
		if i > c.Index {
			out = append(out, c.Statements[i])
		}
	}
	return out
}

// fromHereOn returns the statement under review and the later ones on the
// table, in file order.
func fromHereOn(c *rule.Context, table schema.QualifiedName) []schema.Statement {
	var out []schema.Statement
	for _, i := range c.ByTable.On(table.String()) {
		if i >= c.Index {
			out = append(out, c.Statements[i])
		}
	}
	return out
}

// sibling names an object in the same schema as q.
func sibling(q schema.QualifiedName, name string) schema.QualifiedName {
	return schema.QualifiedName{Schema: q.Schema, Name: rule.Clip(name)}
}
