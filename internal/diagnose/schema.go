package diagnose

import (
	"sort"
	"strconv"

	"github.com/operator-dev/operator/internal/subject"
	"github.com/operator-dev/operator/internal/ticket"
)

// The answer's JSON Schema is built from the action registry and the
// context, so a model that follows it can only cite evidence it was given
// and fill typed slots of registry actions with entities it was shown. It
// is a guide for the model, not the guard: Check enforces every rule again
// on whatever comes back.

// durationPattern is Go's duration syntax ("90s", "1h30m").
const durationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

// AnswerSchema is the schema of a diagnosis answer for the request.
func AnswerSchema(c *subject.Context, actions []subject.ActionSpec) map[string]any {
	ids := make([]any, 0, len(c.Evidence))
	for _, e := range c.Evidence {
		ids = append(ids, e.ID)
	}
	proposals := []any{map[string]any{"type": "null"}}
	for _, a := range actions {
		proposals = append(proposals, proposalSchema(a, c))
	}
	typeNames := []any{"none"}
	for _, a := range actions {
		typeNames = append(typeNames, a.Name)
	}
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"summary", "probable_cause", "evidence_ids", "confidence", "severity"},
		"properties": map[string]any{
			"summary":        map[string]any{"type": "string", "minLength": 1, "description": "one or two sentences an SRE reads first"},
			"probable_cause": map[string]any{"type": "string", "minLength": 1, "description": "the most likely cause, and how the evidence shows it"},
			"evidence_ids": map[string]any{
				"type": "array", "minItems": 1, "uniqueItems": true,
				"items":       map[string]any{"enum": ids},
				"description": "ids of the evidence items the diagnosis rests on",
			},
			"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
			"severity":   map[string]any{"enum": []any{ticket.Info.String(), ticket.Warning.String(), ticket.Critical.String()}},
			"risks":      map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"proposed_action": map[string]any{
				"description": "the one registry action that would help, or null when none should be taken",
				"oneOf":       proposals,
			},
			"alternatives": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object", "additionalProperties": false, "required": []any{"type", "why_not"},
					"properties": map[string]any{
						"type":    map[string]any{"enum": typeNames},
						"params":  map[string]any{"type": "object"},
						"why_not": map[string]any{"type": "string", "minLength": 1},
					},
				},
			},
		},
	}
}

// proposalSchema is one action's proposal: its name, typed params, and why.
func proposalSchema(a subject.ActionSpec, c *subject.Context) map[string]any {
	urgencies := make([]any, len(ticket.Urgencies))
	for i, u := range ticket.Urgencies {
		urgencies[i] = u
	}
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"type", "params", "rationale", "urgency", "expected_outcome"},
		"properties": map[string]any{
			"type":             map[string]any{"const": a.Name, "description": a.Description},
			"params":           ParamsSchema(a, c),
			"rationale":        map[string]any{"type": "string", "minLength": 1},
			"urgency":          map[string]any{"enum": urgencies},
			"expected_outcome": map[string]any{"type": "string", "minLength": 1},
		},
	}
}

// ParamsSchema is the schema of one action's params. With a context, entity
// parameters are limited to the entities it shows; without one (nil), to
// positive ids.
func ParamsSchema(a subject.ActionSpec, c *subject.Context) map[string]any {
	props := map[string]any{}
	required := []any{}
	for _, p := range a.Params {
		props[p.Name] = paramSchema(p, c)
		if p.Required {
			required = append(required, p.Name)
		}
	}
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props, "required": required}
}

func paramSchema(p subject.ParamSpec, c *subject.Context) map[string]any {
	s := map[string]any{}
	if p.Help != "" {
		s["description"] = p.Help
	}
	bounded := func() {
		if p.Min != 0 || p.Max != 0 {
			s["minimum"], s["maximum"] = p.Min, p.Max
		}
	}
	switch p.Type {
	case subject.ParamStoreID, subject.ParamRegionID:
		s["type"] = "integer"
		s["minimum"] = 1
		if c != nil {
			s["enum"] = entityEnum(c.Entities[p.Type])
		}
	case subject.ParamInt:
		s["type"] = "integer"
		bounded()
	case subject.ParamNumber:
		s["type"] = "number"
		bounded()
	case subject.ParamDuration:
		s["type"] = "string"
		s["pattern"] = durationPattern
	case subject.ParamBool:
		s["type"] = "boolean"
	default:
		s["type"] = "string"
	}
	if len(p.Enum) > 0 {
		enum := make([]any, len(p.Enum))
		for i, v := range p.Enum {
			enum[i] = v
		}
		s["enum"] = enum
	}
	return s
}

// entityEnum lists ids as JSON integers, sorted, skipping any that are not.
func entityEnum(ids []string) []any {
	nums := make([]uint64, 0, len(ids))
	for _, id := range ids {
		if n, err := strconv.ParseUint(id, 10, 64); err == nil && n > 0 {
			nums = append(nums, n)
		}
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	out := make([]any, len(nums))
	for i, n := range nums {
		out[i] = n
	}
	return out
}
