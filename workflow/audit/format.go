package audit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// count renders an integer with thousands separators: 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// counted renders a count with its noun: "1 scan", "51,904 scans".
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// percent renders a ratio in [0, 1] as a percentage, with more digits for
// small values so that they do not round to zero: "97.0 %", "0.06 %".
func percent(r float64) string {
	p := r * 100
	switch {
	case p == 0:
		return "0 %"
	case p < 0.01:
		return "< 0.01 %"
	case p < 1:
		return fmt.Sprintf("%.2f %%", p)
	case p >= 99.95 && p < 100:
		return "> 99.9 %" // not "100.0 %" while some of it is missing
	}
	return fmt.Sprintf("%.1f %%", p)
}

// ratio divides, returning false when the divisor is zero.
func ratio(a, b int64) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

// span renders a long duration in days, hours and minutes: "14 d 9 h 30 min".
func span(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	hours, mins := d/time.Hour, (d%time.Hour)/time.Minute
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d d", days))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d h", hours))
	}
	if mins > 0 {
		parts = append(parts, fmt.Sprintf("%d min", mins))
	}
	return strings.Join(parts, " ")
}

// millis renders an execution time given in milliseconds.
func millis(ms float64) string {
	switch {
	case ms < 1:
		return fmt.Sprintf("%.3f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 60_000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms > 1e12: // beyond what a Duration holds
		return fmt.Sprintf("%.3g h", ms/3.6e6)
	}
	return span(time.Duration(ms * float64(time.Millisecond)))
}
