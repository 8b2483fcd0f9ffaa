package ui

import (
	"hash/fnv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"
)

// renderKey identifies one rendering of one markdown text: the same text at
// the same width in the same style is rendered once.
type renderKey struct {
	sum   uint64
	width int
	style string
}

// renderedMsg carries a finished rendering back to the UI.
type renderedMsg struct {
	key renderKey
	out string
}

func keyFor(text string, width int, style string) renderKey {
	h := fnv.New64a()
	h.Write([]byte(text))
	return renderKey{sum: h.Sum64(), width: width, style: style}
}

// markdown returns the cached rendering of text at width, or "" and a command
// that renders it off the UI path.
func (c *Context) markdown(text string, width int) (string, tea.Cmd) {
	k := keyFor(text, width, c.Styles.Markdown)
	if out, ok := c.md[k]; ok {
		return out, nil
	}
	return "", func() tea.Msg { return renderedMsg{key: k, out: renderMarkdown(text, k.width, k.style)} }
}

// storeRendering keeps a finished rendering.
func (c *Context) storeRendering(m renderedMsg) { c.md[m.key] = m.out }

// renderMarkdown renders with glamour; if glamour fails the text is shown as it is.
func renderMarkdown(text string, width int, style string) string {
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(width))
	if err == nil {
		if out, err := r.Render(text); err == nil {
			return strings.Trim(out, "\n")
		}
	}
	return text
}
