package audit

import (
	"fmt"

	"github.com/pgrollout/pgrollout/workflow"
)

// The IDs of the items Items computes for a snapshot. With more than one
// snapshot in a project, each ID is prefixed with the document name and ":".
const (
	OverviewID = "overview"
	SeqScansID = "seq-scans"
	TempID     = "temp-writes"
	IndexesID  = "indexes"
)

// Items computes the Audit stage's items from the project's statistics
// snapshots: for each, an overview (server, database, statistics window,
// cache hit ratio, temp files), then sequential scans, temp writes, and index
// usage and sizes. The items present what the numbers show; they pass no
// verdict. A project without snapshots has no items. Errors are a snapshot's
// parse errors, located as FILE:LINE:COL.
func Items(p workflow.Project) ([]workflow.Item, error) {
	docs := p.DocumentsOf(workflow.KindStatsSnapshot)
	var items []workflow.Item
	for _, doc := range docs {
		s, err := ParseSnapshot(doc.Name, []byte(doc.Text))
		if err != nil {
			return nil, err
		}
		snapItems := []workflow.Item{
			overviewItem(doc.Name, s),
			seqScanItem(s),
			tempItem(s),
			indexItem(s),
		}
		if len(docs) > 1 {
			for i := range snapItems {
				snapItems[i].ID = doc.Name + ":" + snapItems[i].ID
				snapItems[i].Title = fmt.Sprintf("%s (%s)", snapItems[i].Title, doc.Name)
			}
		}
		items = append(items, snapItems...)
	}
	return items, nil
}
