package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Run starts the terminal app and blocks until the user quits.
func Run(ctx context.Context, o Options, extra ...tea.ProgramOption) error {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if o.Plain {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	p := tea.NewProgram(New(ctx, o), append(opts, extra...)...)
	if _, err := p.Run(); err != nil {
		return fmt.Errorf("run terminal app: %w", err)
	}
	return nil
}
