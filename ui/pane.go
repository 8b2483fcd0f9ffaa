package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pgrollout/pgrollout/workflow"
)

// pane is the list-and-detail layout every view shares: items on the left,
// the selected item's markdown on the right. enter moves the focus into the
// detail so j/k scroll it; esc moves it back.
type pane struct {
	c             *Context
	items         []workflow.Item
	cursor        int
	offset        int
	detailFocus   bool
	vp            viewport.Model
	width, height int
	// empty is shown when there are no items.
	empty string
	// shown is the rendering key of what the viewport holds, to keep its scroll position.
	shown renderKey
	// table, when set, stacks the layout: a full-width table of rows on top
	// (its header and row drawing given here), the detail below.
	table *tableLayout
}

// tableLayout draws the rows of a stacked pane.
type tableLayout struct {
	header func(width int) string
	row    func(it workflow.Item, sel bool, width int) string
}

func newPane(c *Context, empty string) pane {
	return pane{c: c, empty: empty, vp: viewport.New()}
}

// setItems replaces the items, keeping the selection on the same item id when it is still there.
func (p *pane) setItems(items []workflow.Item) tea.Cmd {
	id := ""
	if it, ok := p.selected(); ok {
		id = it.ID
	}
	p.items = items
	p.cursor = 0
	for i, it := range items {
		if it.ID == id {
			p.cursor = i
		}
	}
	if len(items) == 0 {
		p.detailFocus = false
	}
	p.resize()
	return p.sync()
}

func (p *pane) selected() (workflow.Item, bool) {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return workflow.Item{}, false
	}
	return p.items[p.cursor], true
}

func (p *pane) setSize(w, h int) tea.Cmd {
	p.width, p.height = w, h
	p.resize()
	return p.sync()
}

// resize fits the viewport and the list window to the current size and item count.
func (p *pane) resize() {
	p.vp.SetWidth(p.detailWidth())
	p.vp.SetHeight(p.detailHeight())
	p.clamp()
}

// listWidth is the width of the list column (all of it when stacked).
func (p *pane) listWidth() int {
	if p.table != nil {
		return p.width
	}
	w := p.width * 36 / 100
	return max(24, min(w, 46))
}

// listRows is how many item rows the list shows at once.
func (p *pane) listRows() int {
	if p.table == nil {
		return p.height
	}
	return max(1, min(len(p.items), p.height/3))
}

// detailWidth is the width markdown is rendered at.
func (p *pane) detailWidth() int {
	if p.table != nil {
		return max(10, p.width-2)
	}
	return max(10, p.width-p.listWidth()-3)
}

// detailHeight is the height of the detail viewport.
func (p *pane) detailHeight() int {
	if p.table != nil {
		return max(1, p.height-p.listRows()-2) // header row and rule
	}
	return p.height
}

// sync puts the selected item's rendering into the viewport, or asks for it.
func (p *pane) sync() tea.Cmd {
	it, ok := p.selected()
	if !ok {
		p.vp.SetContent("")
		p.shown = renderKey{}
		return nil
	}
	k := keyFor(it.Detail, p.detailWidth(), p.c.Styles.Markdown)
	out, cmd := p.c.markdown(it.Detail, p.detailWidth())
	if cmd != nil {
		p.vp.SetContent(p.c.Styles.Faint.Render("rendering…"))
		p.shown = renderKey{}
		return cmd
	}
	if k != p.shown {
		p.vp.SetContent(out)
		p.vp.GotoTop()
		p.shown = k
	}
	return nil
}

// update handles the pane's own keys; it reports whether it used the key.
func (p *pane) update(msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case renderedMsg:
		return false, p.sync()
	case tea.KeyPressMsg:
		k := p.c.Keys
		if p.detailFocus {
			switch {
			case key.Matches(msg, k.Back):
				p.detailFocus = false
				return true, nil
			case key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown):
				var cmd tea.Cmd
				p.vp, cmd = p.vp.Update(msg)
				return true, cmd
			case key.Matches(msg, k.Top):
				p.vp.GotoTop()
				return true, nil
			case key.Matches(msg, k.Bottom):
				p.vp.GotoBottom()
				return true, nil
			}
			return false, nil
		}
		before := p.cursor
		switch {
		case key.Matches(msg, k.Up):
			p.cursor--
		case key.Matches(msg, k.Down):
			p.cursor++
		case key.Matches(msg, k.PageUp):
			p.cursor -= max(1, p.listRows()-1)
		case key.Matches(msg, k.PageDown):
			p.cursor += max(1, p.listRows()-1)
		case key.Matches(msg, k.Top):
			p.cursor = 0
		case key.Matches(msg, k.Bottom):
			p.cursor = len(p.items) - 1
		case key.Matches(msg, k.Open):
			if len(p.items) > 0 {
				p.detailFocus = true
			}
			return true, nil
		default:
			return false, nil
		}
		p.clamp()
		if p.cursor != before {
			return true, p.sync()
		}
		return true, nil
	}
	return false, nil
}

func (p *pane) clamp() {
	p.cursor = max(0, min(p.cursor, len(p.items)-1))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	rows := p.listRows()
	if rows > 0 && p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	p.offset = max(0, min(p.offset, len(p.items)-rows))
}

// view draws the list and the detail side by side, exactly width x height.
func (p *pane) view() string {
	s := p.c.Styles
	lw := p.listWidth()
	if len(p.items) == 0 {
		return lipgloss.NewStyle().Width(p.width).Height(p.height).MaxHeight(p.height).PaddingLeft(2).
			Render(s.Faint.Render(p.empty))
	}
	if p.table != nil {
		return p.stackedView()
	}
	var rows []string
	for i := p.offset; i < len(p.items) && i < p.offset+p.height; i++ {
		rows = append(rows, p.row(p.items[i], i == p.cursor, lw))
	}
	list := lipgloss.NewStyle().Width(lw).Height(p.height).MaxHeight(p.height).Render(strings.Join(rows, "\n"))
	sepStyle := s.Rule
	if p.detailFocus {
		sepStyle = s.Selected
	}
	sep := sepStyle.Render(strings.TrimSuffix(strings.Repeat(" │\n", p.height), "\n"))
	detail := lipgloss.NewStyle().Width(p.detailWidth() + 1).Height(p.height).MaxHeight(p.height).PaddingLeft(1).Render(p.vp.View())
	return lipgloss.JoinHorizontal(lipgloss.Top, list, sep, detail)
}

// stackedView draws the table on top and the detail below it.
func (p *pane) stackedView() string {
	s := p.c.Styles
	rows := []string{s.Faint.Render(ansi.Truncate(p.table.header(p.width), p.width, "…"))}
	for i := p.offset; i < len(p.items) && i < p.offset+p.listRows(); i++ {
		rows = append(rows, ansi.Truncate(p.table.row(p.items[i], i == p.cursor, p.width), p.width, "…"))
	}
	ruleStyle := s.Rule
	if p.detailFocus {
		ruleStyle = s.Selected
	}
	rows = append(rows, ruleStyle.Render(strings.Repeat("─", p.width)))
	top := strings.Join(rows, "\n")
	detail := lipgloss.NewStyle().Width(p.width).Height(p.detailHeight()).MaxHeight(p.detailHeight()).PaddingLeft(1).Render(p.vp.View())
	return top + "\n" + detail
}

// row draws one list entry: a cursor mark, the title, and the badge right-aligned.
func (p *pane) row(it workflow.Item, sel bool, width int) string {
	s := p.c.Styles
	mark := "  "
	title := s.Row
	if sel {
		mark = "› "
		title = s.Selected
	}
	badge := it.Badge
	bw := ansi.StringWidth(badge)
	if bw > width/2 {
		badge = ansi.Truncate(badge, width/2, "…")
		bw = ansi.StringWidth(badge)
	}
	room := width - 2 - bw - 1
	t := ansi.Truncate(it.Title, room, "…")
	gap := strings.Repeat(" ", max(1, room-ansi.StringWidth(t)+1))
	return mark + title.Render(t) + gap + s.Tone(it.Tone).Render(badge)
}
