package service

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
	"github.com/signetdev/signet/store"
	"github.com/signetdev/signet/store/sqlstore"
)

// setKeyPolicy stores a key policy straight in settings.
func (e *env) setKeyPolicy(p signet.KeyPolicy) {
	e.tb.Helper()
	b, err := json.Marshal(p)
	e.must(err)
	e.must(e.st.Write(e.ctx, func(tx store.Tx) error { return tx.PutSetting(e.ctx, signet.KeyPolicySetting, string(b)) }))
}

// keyExpiringIn creates a key of owner expiring in d.
func (e *env) keyExpiringIn(owner string, d time.Duration) *signet.APIKey {
	e.tb.Helper()
	ck, err := e.svc.CreateAPIKey(e.ctx, e.admin, owner, CreateKeyInput{Name: e.uniq("key"), ExpiresIn: d})
	e.must(err)
	return ck.Key
}

// warnings returns the api_key.expiring events as "key threshold",
// oldest first.
func (e *env) warnings() []string {
	e.tb.Helper()
	var out []string
	for _, ev := range e.events() {
		if ev.Action == ActionKeyExpiring {
			out = append(out, ev.TargetID+" "+ev.Details["threshold"].(string))
		}
	}
	slices.Reverse(out)
	return out
}

func (e *env) runLifecycle() *KeyLifecycleResult {
	e.tb.Helper()
	res, err := e.svc.RunKeyLifecycle(e.ctx)
	e.must(err)
	return res
}

func TestKeyExpiryWarnings(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyExpiryWarnings) }

func testKeyExpiryWarnings(t *testing.T) {
	tests := []struct {
		name   string
		policy []time.Duration // nil: the default 14, 7 and 1 days
		left   time.Duration   // when the job first runs
		want   string          // threshold warned; "" for none
	}{
		{name: "far from expiry", left: 20 * day},
		{name: "inside 14 days", left: 13 * day, want: "14d"},
		{name: "created with 5 days left gets only the 7-day warning", left: 5 * day, want: "7d"},
		{name: "last day", left: 12 * time.Hour, want: "1d"},
		{name: "exactly at a threshold", left: 7 * day, want: "7d"},
		{name: "custom thresholds", policy: []time.Duration{30 * day, 3 * day}, left: 20 * day, want: "30d"},
		{name: "custom thresholds, inside the smaller", policy: []time.Duration{30 * day, 3 * day}, left: 2 * day, want: "3d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.policy != nil {
				e.setKeyPolicy(signet.KeyPolicy{ExpiryWarnings: tt.policy})
			}
			sa := e.sa()
			k := e.keyExpiringIn(sa.ID, tt.left)
			e.keyExpiringIn(sa.ID, 60*day) // never warned here
			res := e.runLifecycle()
			var want []string
			if tt.want != "" {
				want = []string{k.ID + " " + tt.want}
			}
			if got := e.warnings(); !slices.Equal(got, want) {
				t.Fatalf("warnings after a run = %v; want %v", got, want)
			}
			if res.Warned != len(want) {
				t.Errorf("RunKeyLifecycle().Warned = %d; want %d", res.Warned, len(want))
			}
			// A second run, and a second service (a restart: nothing in
			// memory), send nothing more.
			e.runLifecycle()
			e.svc = New(e.st, Options{Now: e.clock})
			e.runLifecycle()
			if got := e.warnings(); !slices.Equal(got, want) {
				t.Errorf("warnings after three runs = %v; want %v (once each)", got, want)
			}
		})
	}
}

// TestKeyExpiryWarningsAsTimePasses follows one key through every
// threshold, and checks the event's details and the gauge counts.
func TestKeyExpiryWarningsAsTimePasses(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyExpiryWarningsAsTimePasses)
}

func testKeyExpiryWarningsAsTimePasses(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	e.must(e.st.Write(e.ctx, func(tx store.Tx) error {
		u, err := tx.GetUser(e.ctx, sa.ID)
		if err != nil {
			return err
		}
		u.OwnerType, u.OwnerID = signet.SubjectUser, e.admin.UserID
		return tx.UpdateUser(e.ctx, u)
	}))
	k := e.keyExpiringIn(sa.ID, 20*day)
	steps := []struct {
		advance time.Duration
		want    []string
		counts  []int // expiring within 14d, 7d, 1d
	}{
		{0, nil, []int{0, 0, 0}},
		{7 * day, []string{"14d"}, []int{1, 0, 0}}, // 13 days left
		{1 * day, []string{"14d"}, []int{1, 0, 0}}, // 12 days left: nothing new
		{6 * day, []string{"14d", "7d"}, []int{1, 1, 0}},
		{5*day + 12*time.Hour, []string{"14d", "7d", "1d"}, []int{1, 1, 1}},
		{day, []string{"14d", "7d", "1d"}, []int{0, 0, 0}}, // expired
	}
	for i, s := range steps {
		e.advance(s.advance)
		res := e.runLifecycle()
		var got []string
		for _, w := range e.warnings() {
			got = append(got, w[len(k.ID)+1:])
		}
		if !slices.Equal(got, s.want) {
			t.Fatalf("step %d: warnings = %v; want %v", i, got, s.want)
		}
		var counts []int
		for _, c := range res.Expiring {
			counts = append(counts, c.Keys)
		}
		if !slices.Equal(counts, s.counts) || !slices.Equal(e.svc.ExpiringKeyCounts(), res.Expiring) {
			t.Errorf("step %d: expiring counts = %v (%v); want %v", i, res.Expiring, e.svc.ExpiringKeyCounts(), s.counts)
		}
	}
	var ev *signet.AuditEvent
	for _, x := range e.events() {
		if x.Action == ActionKeyExpiring && x.Details["threshold"] == "7d" {
			ev = x
		}
	}
	want := map[string]any{"threshold": "7d", "expires_at": k.ExpiresAt.UTC().Format(time.RFC3339), "kind": signet.KeyKindServiceAccount,
		"owner_id": sa.ID, "owner_name": sa.Name, "account_owner_type": "user", "account_owner_id": e.admin.UserID}
	if ev.ActorKind != "system" || ev.ActorID != "" || ev.Outcome != signet.OutcomeSuccess || ev.TargetType != "api_key" || ev.TargetName != k.Name {
		t.Errorf("event = %+v; want a success by the system on the key", ev)
	}
	for name, v := range want {
		if ev.Details[name] != v {
			t.Errorf("details[%q] = %v; want %v", name, ev.Details[name], v)
		}
	}
}

// TestKeyExpiryWarningsOncePerReplica: two services on one database (two
// replicas) racing over the same keys record each warning once.
func TestKeyExpiryWarningsOncePerReplica(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyExpiryWarningsOncePerReplica)
}

func testKeyExpiryWarningsOncePerReplica(t *testing.T) {
	database := testdb.Database(t)
	e := newBareEnvOn(t, testdb.OpenDatabase(t, database, sqlstore.Options{}))
	token, err := e.svc.Bootstrap(e.ctx)
	e.must(err)
	u, err := e.svc.CompleteSetup(e.ctx, token, CreateHumanInput{Name: "Ada", Email: "ada@example.com", Password: testPassword})
	e.must(err)
	e.admin = e.svc.ActorForUser(u)
	other := New(testdb.OpenDatabase(t, database, sqlstore.Options{}), Options{Now: e.clock})
	sa := e.sa()
	for i := range 12 {
		e.keyExpiringIn(sa.ID, time.Duration(i+1)*day)
	}
	// Round 0 warns every key once; round 1, six days later, the six keys
	// left cross one threshold more (the other six have expired).
	wantTotal := []int{12, 18}
	for round := range 2 {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i, svc := range []*Service{e.svc, other, e.svc, other} {
			wg.Go(func() { _, errs[i] = svc.RunKeyLifecycle(e.ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			e.must(err)
		}
		got := e.warnings()
		if len(got) != wantTotal[round] {
			t.Fatalf("round %d: %d warnings %v; want %d", round, len(got), got, wantTotal[round])
		}
		slices.Sort(got)
		if n := len(slices.Compact(got)); n != wantTotal[round] {
			t.Fatalf("round %d: duplicate warnings: %v", round, got)
		}
		e.advance(6 * day) // keys cross their next thresholds
	}
}

func TestUnusedKeysDisabled(t *testing.T) { t.Parallel(); testdb.ForEach(t, testUnusedKeysDisabled) }

func testUnusedKeysDisabled(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	never := e.keyExpiringIn(sa.ID, 0)
	used := e.keyExpiringIn(sa.ID, 0)
	revoked := e.keyExpiringIn(sa.ID, 0)
	_, err := e.svc.RevokeAPIKey(e.ctx, e.admin, revoked.ID, "")
	e.must(err)
	e.advance(100 * day)
	e.must(e.svc.RecordKeyUses(e.ctx, []signet.KeyUse{{KeyID: used.ID, At: e.clock().Add(-10 * day), IP: "192.0.2.1"}}))
	// Without the rule nothing is disabled.
	if res := e.runLifecycle(); res.Disabled != 0 {
		t.Fatalf("Disabled = %d without DisableUnusedAfter; want 0", res.Disabled)
	}
	e.setKeyPolicy(signet.KeyPolicy{DisableUnusedAfter: 90 * day})
	if res := e.runLifecycle(); res.Disabled != 1 {
		t.Fatalf("Disabled = %d; want 1 (the never-used key)", res.Disabled)
	}
	status := func(id string) *signet.APIKey {
		k, err := e.svc.GetAPIKey(e.ctx, e.admin, id)
		e.must(err)
		return k
	}
	k := status(never.ID)
	if k.Status(e.clock()) != signet.KeyStatusDisabled || k.DisabledBy != "" || k.DisabledReason != "unused for 90d (key policy: disable_unused_after)" {
		t.Fatalf("never-used key = status %s, by %q, reason %q; want disabled by the system, unused for 90d", k.Status(e.clock()), k.DisabledBy, k.DisabledReason)
	}
	if s := status(used.ID).Status(e.clock()); s != signet.KeyStatusActive {
		t.Errorf("key used 10 days ago is %s; want active", s)
	}
	ev := e.lastEvent()
	if ev.Action != ActionKeyDisable || ev.ActorKind != "system" || ev.TargetID != never.ID || ev.Details["reason"] != k.DisabledReason || ev.Details["unused_for"] != "90d" {
		t.Errorf("event = %s by %s on %s, %v; want api_key.disable by the system with the reason", ev.Action, ev.ActorKind, ev.TargetID, ev.Details)
	}
	// A second run disables nothing more.
	if res := e.runLifecycle(); res.Disabled != 0 {
		t.Errorf("second run Disabled = %d; want 0", res.Disabled)
	}
	// Enabling counts as a use: the next run leaves the key alone, and it
	// is disabled again only after another 90 days unused.
	_, err = e.svc.EnableAPIKey(e.ctx, e.admin, never.ID)
	e.must(err)
	if res := e.runLifecycle(); res.Disabled != 0 {
		t.Errorf("run after enabling Disabled = %d; want 0", res.Disabled)
	}
	e.advance(89 * day)
	if res := e.runLifecycle(); res.Disabled != 1 { // the key used 99 days ago
		t.Errorf("run 89 days after enabling Disabled = %d; want 1 (only the other key)", res.Disabled)
	}
	e.advance(2 * day)
	if res := e.runLifecycle(); res.Disabled != 1 {
		t.Errorf("run 91 days after enabling Disabled = %d; want 1", res.Disabled)
	}
}

func TestDisableEnableAPIKey(t *testing.T) { t.Parallel(); testdb.ForEach(t, testDisableEnableAPIKey) }

func testDisableEnableAPIKey(t *testing.T) {
	e := newEnv(t)
	sa := e.sa()
	bob := e.human(nil)
	nobody := e.actorWith()
	saAdmin := e.actorWith("service_accounts:write")
	keyAdmin := e.actorWith("api_keys:write")
	personal, err := e.svc.CreateAPIKey(e.ctx, bob, bob.UserID, CreateKeyInput{Name: "mine"})
	e.must(err)
	saKey := e.keyExpiringIn(sa.ID, 0)
	tests := []struct {
		name    string
		actor   *signet.Actor
		key     string
		disable bool
		want    string // error code
	}{
		{"a stranger cannot disable a service-account key", nobody, saKey.ID, true, signet.EFORBIDDEN},
		{"service_accounts:write disables a service-account key", saAdmin, saKey.ID, true, ""},
		{"disabling again changes nothing", saAdmin, saKey.ID, true, ""},
		{"a stranger cannot enable it", nobody, saKey.ID, false, signet.EFORBIDDEN},
		{"service_accounts:write enables it", saAdmin, saKey.ID, false, ""},
		{"service_accounts:write cannot disable a personal key", saAdmin, personal.Key.ID, true, signet.EFORBIDDEN},
		{"the owner disables its own key", bob, personal.Key.ID, true, ""},
		{"and enables it", bob, personal.Key.ID, false, ""},
		{"api_keys:write disables a personal key", keyAdmin, personal.Key.ID, true, ""},
		{"the owner cannot enable a key an administrator disabled", bob, personal.Key.ID, false, signet.EFORBIDDEN},
		{"api_keys:write enables it", keyAdmin, personal.Key.ID, false, ""},
		{"unknown key", e.admin, "key_nope", true, signet.ENOTFOUND},
	}
	for _, tt := range tests {
		before := len(e.events())
		var k *signet.APIKey
		if tt.disable {
			k, err = e.svc.DisableAPIKey(e.ctx, tt.actor, tt.key, "investigating")
		} else {
			k, err = e.svc.EnableAPIKey(e.ctx, tt.actor, tt.key)
		}
		if signet.ErrorCode(err) != tt.want {
			t.Fatalf("%s: err = %v; want code %q", tt.name, err, tt.want)
		}
		if err != nil {
			continue
		}
		want := signet.KeyStatusActive
		if tt.disable {
			want = signet.KeyStatusDisabled
		}
		if got := k.Status(e.clock()); got != want || k.SecretHash != ([32]byte{}) {
			t.Errorf("%s: status %s; want %s, without the secret hash", tt.name, got, want)
		}
		if tt.disable && (k.DisabledBy != tt.actor.UserID || k.DisabledReason != "investigating") {
			t.Errorf("%s: disabled by %q for %q", tt.name, k.DisabledBy, k.DisabledReason)
		}
		wantEvents := 1
		if tt.name == "disabling again changes nothing" {
			wantEvents = 0
		}
		if n := len(e.events()) - before; n != wantEvents {
			t.Errorf("%s: %d events; want %d", tt.name, n, wantEvents)
		}
	}
	// Revoked keys are neither disabled nor enabled; long reasons are
	// refused.
	_, err = e.svc.RevokeAPIKey(e.ctx, e.admin, saKey.ID, "")
	e.must(err)
	_, err = e.svc.DisableAPIKey(e.ctx, e.admin, saKey.ID, "")
	wantCode(t, "DisableAPIKey(revoked)", err, signet.ECONFLICT)
	_, err = e.svc.EnableAPIKey(e.ctx, e.admin, saKey.ID)
	wantCode(t, "EnableAPIKey(revoked)", err, signet.ECONFLICT)
	_, err = e.svc.DisableAPIKey(e.ctx, e.admin, personal.Key.ID, string(make([]byte, signet.MaxReasonLen+1)))
	wantCode(t, "DisableAPIKey(long reason)", err, signet.EINVALID)
	// A disabled key lists under status disabled, and grants nothing.
	_, err = e.svc.DisableAPIKey(e.ctx, e.admin, personal.Key.ID, "")
	e.must(err)
	keys, _, err := e.svc.ListAPIKeys(e.ctx, e.admin, signet.APIKeyFilter{Status: signet.KeyStatusDisabled})
	e.must(err)
	if len(keys) != 1 || keys[0].ID != personal.Key.ID {
		t.Errorf("ListAPIKeys(status disabled) = %d keys; want the one disabled", len(keys))
	}
	withKey := *bob
	withKey.KeyID = personal.Key.ID
	if _, err := e.svc.Me(e.ctx, &withKey); err == nil {
		me, _ := e.svc.Me(e.ctx, &withKey)
		if len(me.Organisation) > 0 {
			t.Errorf("a disabled key still carries permissions: %v", me.Organisation)
		}
	}
}

// TestExpiringKeysNotice: the UI's banner shows a user its own keys, an
// administrator the service-account keys, and a service account's owner
// (directly or through a group) that account's keys.
func TestExpiringKeysNotice(t *testing.T) { t.Parallel(); testdb.ForEach(t, testExpiringKeysNotice) }

func testExpiringKeysNotice(t *testing.T) {
	e := newEnv(t)
	owned, grouped, other := e.sa(), e.sa(), e.sa()
	bob := e.human(nil)
	g, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "data"})
	e.must(err)
	e.must(e.svc.AddGroupMember(e.ctx, e.admin, g.ID, bob.UserID))
	e.must(e.st.Write(e.ctx, func(tx store.Tx) error {
		for _, x := range []struct{ id, typ, owner string }{{owned.ID, signet.SubjectUser, bob.UserID}, {grouped.ID, signet.SubjectGroup, g.ID}} {
			u, err := tx.GetUser(e.ctx, x.id)
			if err != nil {
				return err
			}
			u.OwnerType, u.OwnerID = x.typ, x.owner
			if err := tx.UpdateUser(e.ctx, u); err != nil {
				return err
			}
		}
		return nil
	}))
	k1 := e.keyExpiringIn(owned.ID, 10*day)
	k2 := e.keyExpiringIn(grouped.ID, 2*day)
	k3 := e.keyExpiringIn(other.ID, 3*day)
	e.keyExpiringIn(other.ID, 30*day)
	mine, err := e.svc.CreateAPIKey(e.ctx, bob, bob.UserID, CreateKeyInput{Name: "laptop", ExpiresIn: day})
	e.must(err)
	ids := func(ks []*signet.APIKey) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return out
	}
	n, err := e.svc.ExpiringKeys(e.ctx, bob)
	e.must(err)
	if n.Within != 14*day || !slices.Equal(ids(n.Personal), []string{mine.Key.ID}) || !slices.Equal(ids(n.ServiceAccount), []string{k2.ID, k1.ID}) {
		t.Errorf("bob's notice = within %v, personal %v, service accounts %v; want 14d, [%s], [%s %s]",
			n.Within, ids(n.Personal), ids(n.ServiceAccount), mine.Key.ID, k2.ID, k1.ID)
	}
	n, err = e.svc.ExpiringKeys(e.ctx, e.admin)
	e.must(err)
	if len(n.Personal) != 0 || !slices.Equal(ids(n.ServiceAccount), []string{k2.ID, k3.ID, k1.ID}) {
		t.Errorf("admin's notice = personal %v, service accounts %v; want none, [%s %s %s]", ids(n.Personal), ids(n.ServiceAccount), k2.ID, k3.ID, k1.ID)
	}
	// The policy's longest threshold bounds the notice.
	e.setKeyPolicy(signet.KeyPolicy{ExpiryWarnings: []time.Duration{day}})
	n, err = e.svc.ExpiringKeys(e.ctx, e.admin)
	e.must(err)
	if !n.Empty() || n.Within != day {
		t.Errorf("notice with a 1-day threshold = %+v; want empty, within 1d", n)
	}
}

// TestKeyExpiringWebhook: the warning reaches a subscribed receiver
// through the outbox and the Dispatcher, once.
func TestKeyExpiringWebhook(t *testing.T) { t.Parallel(); testdb.ForEach(t, testKeyExpiringWebhook) }

func testKeyExpiringWebhook(t *testing.T) {
	e := newWebhookEnv(t, allowPrivate, 0)
	r := newReceiver(t)
	ep := e.endpoint(r.srv.URL+"/hook", ActionKeyExpiring)
	r.trust(ep.Secret)
	sa := e.sa()
	k := e.keyExpiringIn(sa.ID, 5*day)
	d := e.dispatcher(nil)
	e.runLifecycle()
	e.runLifecycle()
	if n := e.runOnce(d); n != 1 {
		t.Fatalf("RunOnce delivered %d; want 1", n)
	}
	if n := e.runOnce(d); n != 0 {
		t.Fatalf("a second RunOnce delivered %d; want 0", n)
	}
	got := r.received()
	if len(got) != 1 || !got[0].verified[0] {
		t.Fatalf("receiver got %d requests; want 1, verified", len(got))
	}
	var p signet.WebhookPayload
	e.must(json.Unmarshal(got[0].body, &p))
	if p.Type != ActionKeyExpiring || p.Data.Actor.Kind != "system" || p.Data.Target == nil || p.Data.Target.ID != k.ID ||
		p.Data.Details["threshold"] != "7d" || p.Data.Details["expires_at"] != k.ExpiresAt.UTC().Format(time.RFC3339) || p.Data.Details["owner_id"] != sa.ID {
		t.Errorf("payload = %s; want api_key.expiring by the system for %s, threshold 7d, expires_at, owner", got[0].body, k.ID)
	}
}

func TestKeyAttentionThresholds(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, testKeyAttentionThresholds)
}

func testKeyAttentionThresholds(t *testing.T) {
	e := newEnv(t)
	got, err := e.svc.KeyAttentionThresholds(e.ctx, e.actorWith())
	e.must(err)
	if want := (KeyAttention{ExpiringWithin: 14 * day, UnusedFor: UnusedMarkAfter}); *got != want {
		t.Errorf("KeyAttentionThresholds(no policy) = %+v; want %+v", *got, want)
	}
	for _, tc := range []struct {
		name   string
		policy signet.KeyPolicy
		want   KeyAttention
	}{
		{"disables after a year", signet.KeyPolicy{DisableUnusedAfter: 365 * day},
			KeyAttention{ExpiringWithin: 14 * day, UnusedFor: UnusedMarkAfter, DisableUnusedAfter: 365 * day}},
		{"disables after 30 days", signet.KeyPolicy{DisableUnusedAfter: 30 * day, ExpiryWarnings: []time.Duration{3 * day}},
			KeyAttention{ExpiringWithin: 3 * day, UnusedFor: 20 * day, DisableUnusedAfter: 30 * day}},
	} {
		e.setKeyPolicy(tc.policy)
		got, err := e.svc.KeyAttentionThresholds(e.ctx, e.actorWith())
		e.must(err)
		if *got != tc.want {
			t.Errorf("%s: KeyAttentionThresholds = %+v; want %+v", tc.name, *got, tc.want)
		}
	}
}

func TestKeyAttentionMarks(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	k := &KeyAttention{ExpiringWithin: 14 * day, UnusedFor: 30 * day}
	for _, tc := range []struct {
		name             string
		key              signet.APIKey
		expiring, unused bool
		left, idle       time.Duration
	}{
		{name: "fresh", key: signet.APIKey{CreatedAt: now.Add(-day), ExpiresAt: at(100 * day)}},
		{name: "expires in 3 days", key: signet.APIKey{CreatedAt: now.Add(-day), ExpiresAt: at(3 * day)}, expiring: true, left: 3 * day},
		{name: "expired", key: signet.APIKey{CreatedAt: now.Add(-90 * day), ExpiresAt: at(-day)}},
		{name: "rotated", key: signet.APIKey{CreatedAt: now.Add(-day), ExpiresAt: at(day), RotatedTo: "key_next"}},
		{name: "never used for 94 days", key: signet.APIKey{CreatedAt: now.Add(-94 * day)}, unused: true, idle: 94 * day},
		{name: "used 29 days ago", key: signet.APIKey{CreatedAt: now.Add(-94 * day), LastUsedAt: at(-29 * day)}},
		{name: "used 30 days ago", key: signet.APIKey{CreatedAt: now.Add(-94 * day), LastUsedAt: at(-30 * day)}, unused: true, idle: 30 * day},
		{name: "revoked", key: signet.APIKey{CreatedAt: now.Add(-94 * day), RevokedAt: at(-day)}},
	} {
		left, expiring := k.Expiring(&tc.key, now)
		if expiring != tc.expiring || (expiring && left != tc.left) {
			t.Errorf("%s: Expiring = %v, %v; want %v, %v", tc.name, left, expiring, tc.left, tc.expiring)
		}
		idle, unused := k.Unused(&tc.key, now)
		if unused != tc.unused || (unused && idle != tc.idle) {
			t.Errorf("%s: Unused = %v, %v; want %v, %v", tc.name, idle, unused, tc.idle, tc.unused)
		}
	}
	var none *KeyAttention
	if _, ok := none.Expiring(&signet.APIKey{ExpiresAt: at(day)}, now); ok {
		t.Error("nil KeyAttention marks a key expiring")
	}
}
