package pdsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (s *Server) schedulerRoutes() {
	s.handle("GET", "/pd/api/v1/schedulers", s.needsCluster(s.getSchedulers))
	s.handle("POST", "/pd/api/v1/schedulers", s.needsCluster(s.postScheduler))
	s.handle("POST", "/pd/api/v1/schedulers/{name}", s.needsCluster(s.pauseScheduler))
	s.handle("DELETE", "/pd/api/v1/schedulers/{name}", s.needsCluster(s.deleteScheduler))
	s.handle("GET", "/pd/api/v1/scheduler-config/{name}/list", s.needsCluster(s.getSchedulerConfig))
	s.handle("GET", "/pd/api/v1/checker/{name}", s.getChecker)
	s.handle("POST", "/pd/api/v1/checker/{name}", s.postChecker)
}

var (
	errSchedulerNotFound = "[PD:scheduler:ErrSchedulerNotFound]scheduler not found"
	errCheckerNotFound   = "[PD:checker:ErrCheckerNotFound]checker not found"
)

type pausedJSON struct {
	Name     string `json:"name"`
	PausedAt string `json:"paused_at"`
	ResumeAt string `json:"resume_at"`
}

func (s *Server) getSchedulers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	withTS := q.Get("timestamp") == "true"
	s.read(func(c *Cluster) {
		names := []string{}
		var paused []pausedJSON
		for _, name := range c.schedulerNames() {
			p := c.sched[name]
			switch status {
			case "paused":
				if !p.paused(c.now) {
					continue
				}
				paused = append(paused, pausedJSON{name, p.pausedAt.UTC().Format(time.RFC3339), p.resumeAt.UTC().Format(time.RFC3339)})
			case "disabled":
				if !p.disabled {
					continue
				}
			}
			names = append(names, name)
		}
		if status == "paused" && withTS {
			if paused == nil {
				paused = []pausedJSON{}
			}
			writeJSON(w, 200, paused)
			return
		}
		writeJSON(w, 200, names)
	})
}

func (s *Server) postScheduler(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := readBody(r, &in); err != nil {
		writeInputErr(w, err)
		return
	}
	name, ok := in["name"].(string)
	if !ok || name == "" {
		writeJSON(w, 400, "missing scheduler name")
		return
	}
	perStore, known := knownSchedulers[name]
	if !known {
		writeJSON(w, 400, "unknown scheduler")
		return
	}
	var store StoreID
	if perStore {
		raw, has := in["store_id"]
		if !has {
			writeJSON(w, 400, "missing store id")
			return
		}
		f, ok := raw.(float64)
		if !ok {
			writeJSON(w, 400, "please input a right store id")
			return
		}
		store = StoreID(f)
	}
	s.write(func(c *Cluster) {
		existing := c.sched[name]
		if perStore {
			if st := c.stores[store]; st == nil {
				writeJSON(w, 400, storeNotFound(400, store).msg)
				return
			}
			if existing != nil {
				for _, id := range existing.evictStores {
					if id == store {
						writeJSON(w, 400, "[PD:scheduler:ErrSchedulerExisted]scheduler existed")
						return
					}
				}
				existing.evictStores = append(existing.evictStores, store)
				writeJSON(w, 200, "The scheduler has been applied to the store.")
				return
			}
			c.addScheduler(name, &pausable{createdAt: c.now, evictStores: []StoreID{store}})
			writeJSON(w, 200, "The scheduler is created.")
			return
		}
		if existing != nil {
			writeJSON(w, 400, "[PD:scheduler:ErrSchedulerExisted]scheduler existed")
			return
		}
		c.addScheduler(name, &pausable{createdAt: c.now})
		writeJSON(w, 200, "The scheduler is created.")
	})
}

// pauseBody decodes {"delay":N} as PD's pause handlers do: the whole body
// into a map of integers (int for checkers, int64 for schedulers), so any
// non-integer value is a type error, reported with its offset in the body.
func pauseBody(w http.ResponseWriter, r *http.Request, typ any) (int64, bool) {
	var (
		delay int64
		found bool
		err   error
	)
	switch typ.(type) {
	case int:
		var in map[string]int
		if err = readBody(r, &in); err == nil {
			var d int
			d, found = in["delay"]
			delay = int64(d)
		}
	default:
		var in map[string]int64
		if err = readBody(r, &in); err == nil {
			delay, found = in["delay"]
		}
	}
	if err != nil {
		writeInputErr(w, err)
		return 0, false
	}
	if !found {
		writeJSON(w, 400, "missing pause time")
		return 0, false
	}
	return delay, true
}

func (s *Server) pauseScheduler(w http.ResponseWriter, r *http.Request) {
	delay, ok := pauseBody(w, r, int64(0))
	if !ok {
		return
	}
	name := r.PathValue("name")
	s.write(func(c *Cluster) {
		p := c.sched[name]
		if p == nil {
			writeJSON(w, 500, errSchedulerNotFound)
			return
		}
		pause(p, c.now, delay)
		writeJSON(w, 200, "Pause or resume the scheduler successfully.")
	})
}

func pause(p *pausable, now time.Time, delay int64) {
	if delay <= 0 {
		p.pausedAt, p.resumeAt = time.Time{}, time.Time{}
		return
	}
	p.pausedAt, p.resumeAt = now, now.Add(time.Duration(delay)*time.Second)
}

// deleteScheduler also takes "evict-leader-scheduler-2": remove store 2
// from the scheduler, answered with a literal null.
func (s *Server) deleteScheduler(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.write(func(c *Cluster) {
		if c.sched[name] != nil {
			c.removeScheduler(name)
			writeJSON(w, 200, "The scheduler is removed.")
			return
		}
		for _, base := range []string{"evict-leader-scheduler", "grant-leader-scheduler"} {
			rest, ok := strings.CutPrefix(name, base+"-")
			if !ok {
				continue
			}
			id, err := strconv.ParseUint(rest, 10, 64)
			p := c.sched[base]
			if err != nil || p == nil {
				writeJSON(w, 404, nil)
				return
			}
			for i, sid := range p.evictStores {
				if sid == StoreID(id) {
					p.evictStores = append(p.evictStores[:i], p.evictStores[i+1:]...)
					if len(p.evictStores) == 0 {
						c.removeScheduler(base)
					}
					writeJSON(w, 200, nil)
					return
				}
			}
			writeJSON(w, 404, nil)
			return
		}
		writeJSON(w, 404, errSchedulerNotFound)
	})
}

type keyRange struct {
	EndKey   string `json:"end-key"`
	StartKey string `json:"start-key"`
}

func (s *Server) getSchedulerConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.read(func(c *Cluster) {
		p := c.sched[name]
		if p == nil || (name != "evict-leader-scheduler" && name != "grant-leader-scheduler") {
			writeJSON(w, 404, errSchedulerNotFound)
			return
		}
		ranges := map[string][]keyRange{}
		for _, id := range p.evictStores {
			ranges[strconv.FormatUint(uint64(id), 10)] = []keyRange{{}}
		}
		writeJSON(w, 200, map[string]any{"store-id-ranges": ranges, "batch": 3})
	})
}

func (s *Server) getChecker(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.read(func(c *Cluster) {
		p := c.checkers[name]
		if p == nil {
			writeJSON(w, 500, errCheckerNotFound)
			return
		}
		writeJSON(w, 200, map[string]bool{"paused": p.paused(c.now)})
	})
}

func (s *Server) postChecker(w http.ResponseWriter, r *http.Request) {
	delay, ok := pauseBody(w, r, int(0))
	if !ok {
		return
	}
	name := r.PathValue("name")
	s.write(func(c *Cluster) {
		p := c.checkers[name]
		if p == nil {
			writeJSON(w, 500, errCheckerNotFound)
			return
		}
		pause(p, c.now, delay)
		if delay > 0 {
			writeJSON(w, 200, "Pause the checker successfully.")
		} else {
			writeJSON(w, 200, "Resume the checker successfully.")
		}
	})
}
