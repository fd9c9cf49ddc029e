package web

import (
	"context"
	"strconv"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/service"
)

// keyMarks are the badges of a key that needs attention soon, beside the
// policy-violation badge (service.KeyAttention decides which keys).
type keyMarks struct {
	// ExpiresIn is how long is left ("3 days") when the key expires
	// within the key policy's first warning threshold.
	ExpiresIn string
	// UnusedFor is how long the key has gone unused ("94 days"), with
	// what the badge's title adds (never used, the policy's disabling).
	UnusedFor, UnusedNote string
}

func newKeyMarks(a *service.KeyAttention, k *signet.APIKey, now time.Time) keyMarks {
	var m keyMarks
	if left, ok := a.Expiring(k, now); ok {
		m.ExpiresIn = timeLeft(left)
	}
	if idle, ok := a.Unused(k, now); ok {
		m.UnusedFor = plural(int64(idle/(24*time.Hour)), "day", "days")
		if k.LastUsedAt == nil {
			m.UnusedNote = "Never used since it was created."
		} else {
			m.UnusedNote = "Last used " + k.LastUsedAt.UTC().Format(time.DateOnly) + "."
		}
		if a.DisableUnusedAfter > 0 {
			m.UnusedNote += " The key policy disables keys unused for " + signet.FormatDuration(a.DisableUnusedAfter) + "."
		}
	}
	return m
}

// keyUsage adds the attention marks and the 30-day usage sparklines to the
// key views of a page, and returns the activity it read by key id (for
// larger charts). Activity is read in one call for every key of the page
// (one per signet.MaxPageSize keys beyond that), never one per key.
func (s *server) keyUsage(ctx context.Context, c *reqCtx, now time.Time, lists ...[]keyView) (map[string][]signet.KeyActivity, error) {
	attention, err := s.svc.KeyAttentionThresholds(ctx, c.actor)
	if err != nil {
		return nil, err
	}
	var keys []*signet.APIKey
	for _, l := range lists {
		for i := range l {
			l[i].Marks = newKeyMarks(attention, l[i].Key, now)
			keys = append(keys, l[i].Key)
		}
	}
	activity := map[string][]signet.KeyActivity{}
	since := usageSince(now)
	for start := 0; start < len(keys); start += signet.MaxPageSize {
		part, err := s.svc.KeysActivity(ctx, c.actor, keys[start:min(start+signet.MaxPageSize, len(keys))], since)
		if err != nil {
			return nil, err
		}
		for id, a := range part {
			activity[id] = a
		}
	}
	for _, l := range lists {
		for i := range l {
			ch := newChart(dailyUsage(now, activity[l[i].Key.ID]), sparkW, sparkH)
			l[i].Usage = &ch
		}
	}
	return activity, nil
}

// usageTotal is the chart of the sum of several keys' activity.
func usageTotal(now time.Time, activity map[string][]signet.KeyActivity) *chart {
	hours := make([][]signet.KeyActivity, 0, len(activity))
	for _, a := range activity {
		hours = append(hours, a)
	}
	c := newChart(dailyUsage(now, hours...), chartW, chartH)
	return &c
}

// Date is the day as the charts' tables show it.
func (d usageDay) Date() string { return d.Day.Format(time.DateOnly) }

// Text is the day's counts in words, for the charts' tooltips.
func (d usageDay) Text() string {
	return d.Date() + ": " + strconv.FormatInt(d.Successes, 10) + " successful, " + strconv.FormatInt(d.Failures, 10) + " failed"
}

// keyChart is one key's chart on the edit page of its owner.
type keyChart struct {
	Key   *signet.APIKey
	Chart chart
}
