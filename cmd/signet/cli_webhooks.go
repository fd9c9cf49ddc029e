package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/signetdev/signet/client"
)

func init() {
	registerGroup("webhooks", nil, "manage outbound webhooks: endpoints that receive Signet's events, signed, and their deliveries",
		whCreate, whList, whGet, whUpdate, whDelete, whRotate, whTest, whDeliveries, whDelivery, whRedeliver, whEventTypes)
}

// WEBHOOK arguments are an endpoint id (wh_…); DELIVERY arguments a
// delivery id (whd_…).

// webhookSaid is what a command that changed an endpoint prints, unless
// err.
func webhookSaid(ep *client.WebhookEndpoint, err error, verb string) (*output, error) {
	if err != nil {
		return nil, err
	}
	return say(ep, "%s webhook endpoint %s (%s, %s).\n", verb, ep.ID, ep.URL, enabledLabel(*ep)), nil
}

// enabledLabel says whether an endpoint is enabled, and why Signet
// disabled it if it did.
func enabledLabel(ep client.WebhookEndpoint) string {
	switch {
	case ep.Enabled:
		return "enabled"
	case ep.DisabledReason != "":
		return "disabled: " + ep.DisabledReason
	}
	return "disabled"
}

// eventList reads --events: event types or patterns separated by commas.
func eventList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// secretWarning is printed on stderr whenever a signing secret is shown.
func secretWarning(e *env) {
	fmt.Fprintln(e.stderr, "Warning: copy the signing secret now and give it to the receiver: it cannot be shown again.")
}

// printNewSecret shows an endpoint's new signing secret: what happened on
// stdout, the warning on stderr, then the secret alone on its line.
func printNewSecret(e *env, c *client.CreatedWebhookEndpoint, what string) {
	fmt.Fprintf(e.stdout, "%s webhook endpoint %s (%s, %s).\n", what, c.ID, c.URL, enabledLabel(c.WebhookEndpoint))
	if c.PreviousSecretExpiresAt != nil {
		fmt.Fprintf(e.stdout, "The previous secret keeps signing until %s.\n", fmtTime(*c.PreviousSecretExpiresAt))
	}
	secretWarning(e)
	fmt.Fprintln(e.stdout, c.Secret)
}

// showSecret is the output of a command that got a new signing secret.
func showSecret(x *cmdCall, c *client.CreatedWebhookEndpoint, quiet bool, what string) *output {
	switch {
	case quiet:
		fmt.Fprintln(x.e.stdout, c.Secret)
		return nil
	case *x.json:
		secretWarning(x.e)
	}
	return show(c, func(io.Writer) error {
		printNewSecret(x.e, c, what)
		return nil
	})
}

type whCreateFlags struct {
	url, events, desc string
	disabled, quiet   bool
}

var whCreate = clientCmd[whCreateFlags]{name: "create",
	args:    "--endpoint-url URL --events TYPES [--description D] [--disabled] [--quiet]",
	usage:   "--endpoint-url URL --events TYPES [flags]",
	summary: "create a webhook endpoint (needs settings:write); its signing secret is shown once",
	flags: func(o *whCreateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.url, "endpoint-url", "", "the http(s) URL that receives the deliveries (required; --url names the Signet server, as for every command)")
		fs.StringVar(&o.events, "events", "", `event types, comma-separated: "*" for all, a domain such as "api_key.*", or types such as service_account.create (required; see 'signet webhooks event-types')`)
		fs.StringVar(&o.desc, "description", "", "description")
		fs.BoolVar(&o.disabled, "disabled", false, "create it disabled: nothing is delivered until it is enabled")
		fs.BoolVar(&o.quiet, "quiet", false, "print only the signing secret and a newline")
	},
	check: func(x *cmdCall, o *whCreateFlags) error {
		if o.url == "" || len(eventList(o.events)) == 0 {
			return usagef("webhooks create: --endpoint-url and --events are required")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *whCreateFlags) (*output, error) {
		req := client.CreateWebhookRequest{URL: o.url, Description: o.desc, EventTypes: eventList(o.events)}
		if o.disabled {
			req.Enabled = client.Bool(false)
		}
		c, err := x.cl.CreateWebhook(ctx, req)
		if err != nil {
			return nil, err
		}
		return showSecret(x, c, o.quiet, "Created"), nil
	}}

var whList = clientCmd[pageFlags]{name: "list", aliases: []string{"ls"}, args: "[--limit N] [--cursor C] [--all]", usage: "[flags]",
	summary: "list webhook endpoints (needs settings:read)", flags: (*pageFlags).define,
	run: func(ctx context.Context, x *cmdCall, p *pageFlags) (*output, error) {
		return listed(ctx, *p, x.cl.ListWebhooks, []string{"ID", "URL", "EVENTS", "STATUS", "FAILING SINCE", "CREATED"},
			func(ep client.WebhookEndpoint) []string {
				return []string{ep.ID, ep.URL, fmtList(ep.EventTypes), enabledLabel(ep), fmtTimePtr(ep.FailingSince), fmtTime(ep.CreatedAt)}
			})
	}}

var whGet = clientCmd[noFlags]{name: "get", aliases: []string{"show"}, args: "WEBHOOK", summary: "show a webhook endpoint (never its secret)",
	min: 1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		ep, err := x.cl.GetWebhook(ctx, x.id)
		return shown(ep, err, func(w io.Writer) error {
			return fields(w,
				"ID", ep.ID,
				"URL", ep.URL,
				"Description", ep.Description,
				"Events", fmtList(ep.EventTypes),
				"Status", enabledLabel(*ep),
				"Failing since", fmtTimePtr(ep.FailingSince),
				"Previous secret until", fmtTimePtr(ep.PreviousSecretExpiresAt),
				"Created", fmtTime(ep.CreatedAt),
				"Created by", ep.CreatedBy,
				"Updated", fmtTime(ep.UpdatedAt),
			)
		})
	}}

type whUpdateFlags struct {
	url, events, desc string
	enable, disable   bool
}

var whUpdate = clientCmd[whUpdateFlags]{name: "update", args: "WEBHOOK [--endpoint-url URL] [--events TYPES] [--description D] [--enable | --disable]",
	summary: "change a webhook endpoint's URL, event types or description, or enable or disable it", min: 1, max: 1,
	flags: func(o *whUpdateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.url, "endpoint-url", "", "new URL that receives the deliveries")
		fs.StringVar(&o.events, "events", "", "new event types, comma-separated (replace the current ones)")
		fs.StringVar(&o.desc, "description", "", "new description (may be empty)")
		fs.BoolVar(&o.enable, "enable", false, "enable it (clears why Signet disabled it; pending deliveries are attempted again)")
		fs.BoolVar(&o.disable, "disable", false, "disable it: nothing is delivered to it")
	},
	check: func(x *cmdCall, o *whUpdateFlags) error {
		if o.enable && o.disable {
			return usagef("webhooks update: --enable and --disable cannot be combined")
		}
		if x.set("events") && len(eventList(o.events)) == 0 {
			return usagef("webhooks update: --events needs at least one event type")
		}
		return nil
	},
	run: func(ctx context.Context, x *cmdCall, o *whUpdateFlags) (*output, error) {
		var up client.WebhookUpdate
		if x.set("endpoint-url") {
			up.URL = &o.url
		}
		if x.set("events") {
			ev := eventList(o.events)
			up.EventTypes = &ev
		}
		if x.set("description") {
			up.Description = &o.desc
		}
		if o.enable || o.disable {
			up.Enabled = client.Bool(o.enable)
		}
		if up == (client.WebhookUpdate{}) {
			return nil, usagef("webhooks update: nothing to change: give --endpoint-url, --events, --description, --enable or --disable")
		}
		ep, err := x.cl.UpdateWebhook(ctx, x.id, up)
		return webhookSaid(ep, err, "Updated")
	}}

var whDelete = deleteCmd("WEBHOOK [--yes]", "delete a webhook endpoint and its deliveries", nil,
	"Delete webhook endpoint %s and its deliveries?", (*client.Client).DeleteWebhook, "Deleted webhook endpoint %s.")

type whRotateFlags struct {
	overlap string
	quiet   bool
}

var whRotate = clientCmd[whRotateFlags]{name: "rotate-secret", args: "WEBHOOK [--overlap DUR] [--quiet]",
	summary: "give a webhook endpoint a new signing secret, shown once; the old one keeps signing for the overlap", min: 1, max: 1,
	flags: func(o *whRotateFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.overlap, "overlap", "", "how long the old secret keeps signing beside the new one, e.g. 24h or 2d; 0 stops it at once (default 24h, at most 7d)")
		fs.BoolVar(&o.quiet, "quiet", false, "print only the new signing secret and a newline")
	},
	check: func(x *cmdCall, o *whRotateFlags) error { return checkDurationFlag("--overlap", o.overlap) },
	run: func(ctx context.Context, x *cmdCall, o *whRotateFlags) (*output, error) {
		c, err := x.cl.RotateWebhookSecret(ctx, x.id, o.overlap)
		if err != nil {
			return nil, err
		}
		return showSecret(x, c, o.quiet, "Rotated the signing secret of"), nil
	}}

var whTest = clientCmd[noFlags]{name: "test", args: "WEBHOOK", summary: "queue a test event to a webhook endpoint; 'deliveries' shows how it went",
	min: 1, max: 1,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		d, err := x.cl.SendTestWebhook(ctx, x.id)
		if err != nil {
			return nil, err
		}
		return say(d, "Queued a test event (%s) to %s: delivery %s.\n", d.EventID, d.EndpointID, d.ID), nil
	}}

type whDeliveriesFlags struct {
	status string
	page   pageFlags
}

var deliveryHeader = []string{"ID", "EVENT", "EVENT ID", "STATUS", "ATTEMPTS", "LAST STATUS", "CREATED", "NEXT ATTEMPT", "LAST ERROR"}

func deliveryRow(d client.WebhookDelivery) []string {
	code := ""
	if d.LastStatusCode != 0 {
		code = fmt.Sprint(d.LastStatusCode)
	}
	return []string{d.ID, d.EventType, d.EventID, d.Status, fmt.Sprint(d.Attempts), code, fmtTime(d.CreatedAt), fmtTimePtr(d.NextAttemptAt), d.LastError}
}

var whDeliveries = clientCmd[whDeliveriesFlags]{name: "deliveries", args: "WEBHOOK [--status pending|succeeded|failed] [--limit N] [--cursor C] [--all]",
	usage: "WEBHOOK [flags]", summary: "list a webhook endpoint's deliveries, newest first", min: 1, max: 1,
	flags: func(o *whDeliveriesFlags, fs *flag.FlagSet) {
		fs.StringVar(&o.status, "status", "", "only pending, succeeded or failed deliveries")
		o.page.define(fs)
	},
	check: func(x *cmdCall, o *whDeliveriesFlags) error {
		return checkEnum("--status", o.status, client.DeliveryPending, client.DeliverySucceeded, client.DeliveryFailed)
	},
	run: func(ctx context.Context, x *cmdCall, o *whDeliveriesFlags) (*output, error) {
		return listed(ctx, o.page, func(ctx context.Context, lo client.ListOptions) (*client.Page[client.WebhookDelivery], error) {
			return x.cl.ListWebhookDeliveries(ctx, x.id, client.ListWebhookDeliveriesOptions{Status: o.status, ListOptions: lo})
		}, deliveryHeader, deliveryRow)
	}}

var whDelivery = clientCmd[noFlags]{name: "delivery", args: "WEBHOOK DELIVERY", summary: "show a delivery: its payload and every attempt",
	min: 2, max: 2,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		d, err := x.cl.GetWebhookDelivery(ctx, x.id, x.args[1])
		return shown(d, err, func(w io.Writer) error {
			code := ""
			if d.LastStatusCode != 0 {
				code = fmt.Sprint(d.LastStatusCode)
			}
			if err := fields(w,
				"ID", d.ID,
				"Endpoint", d.EndpointID,
				"Event", d.EventType,
				"Event ID", d.EventID,
				"Status", d.Status,
				"Attempts", fmt.Sprint(d.Attempts),
				"Created", fmtTime(d.CreatedAt),
				"Next attempt", fmtTimePtr(d.NextAttemptAt),
				"Last attempt", fmtTimePtr(d.LastAttemptAt),
				"Last status", code,
				"Last error", d.LastError,
			); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nAttempts:\n")
			if len(d.AttemptLog) == 0 {
				fmt.Fprintln(w, "  (none)")
			} else {
				t := newTable(w, "#", "AT", "STATUS", "LATENCY", "ERROR", "RESPONSE")
				for _, a := range d.AttemptLog {
					status := "-"
					if a.StatusCode != 0 {
						status = fmt.Sprint(a.StatusCode)
					}
					t.row(fmt.Sprint(a.N), fmtTime(a.At), status, fmtLatency(a.LatencyMS), a.Error, a.ResponseBody)
				}
				if err := t.flush(); err != nil {
					return err
				}
			}
			fmt.Fprintf(w, "\nPayload:\n")
			var b bytes.Buffer
			if json.Indent(&b, d.Payload, "  ", "  ") != nil {
				b.Reset()
				b.Write(d.Payload)
			}
			_, err := fmt.Fprintf(w, "  %s\n", b.String())
			return err
		})
	}}

// fmtLatency writes an attempt's latency in milliseconds, with a decimal
// below 10 ms.
func fmtLatency(ms float64) string {
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

var whRedeliver = clientCmd[noFlags]{name: "redeliver", args: "WEBHOOK DELIVERY",
	summary: "queue a delivery's event again, as a new delivery with the same event id", min: 2, max: 2,
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		d, err := x.cl.RedeliverWebhook(ctx, x.id, x.args[1])
		if err != nil {
			return nil, err
		}
		return say(d, "Queued event %s (%s) again to %s: delivery %s.\n", d.EventID, d.EventType, d.EndpointID, d.ID), nil
	}}

var whEventTypes = clientCmd[noFlags]{name: "event-types", aliases: []string{"events"}, summary: "list the event types endpoints may subscribe to, and the wildcards",
	run: func(ctx context.Context, x *cmdCall, _ *noFlags) (*output, error) {
		c, err := x.cl.ListWebhookEventTypes(ctx)
		return shown(c, err, func(w io.Writer) error {
			for _, t := range c.EventTypes {
				fmt.Fprintln(w, t)
			}
			_, err := fmt.Fprintf(w, "\nWildcards: %s\n", strings.Join(c.Wildcards, ", "))
			return err
		})
	}}
