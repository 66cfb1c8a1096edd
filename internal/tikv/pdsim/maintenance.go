package pdsim

import (
	"io"
	"net/http"
)

// maintenanceTask is PD's v2 cluster-wide maintenance lock.
type maintenanceTask struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	StartTimestamp int64  `json:"start_timestamp"`
	Description    string `json:"description"`
}

type maintenanceConflict struct {
	Error        string           `json:"error"`
	ExistingTask *maintenanceTask `json:"existing_task"`
}

func (s *Server) maintenanceRoutes() {
	s.handle("PUT", "/pd/api/v2/maintenance/{type}/{id}", s.putMaintenance)
	s.handle("DELETE", "/pd/api/v2/maintenance/{type}/{id}", s.deleteMaintenance)
	s.handle("GET", "/pd/api/v2/maintenance", s.getMaintenance)
	s.handle("GET", "/pd/api/v2/maintenance/{type}", s.getMaintenanceType)
}

func (s *Server) putMaintenance(w http.ResponseWriter, r *http.Request) {
	desc, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.write(func(c *Cluster) {
		if c.maint != nil {
			writeGin(w, 409, maintenanceConflict{"Another maintenance task is already running", c.maint})
			return
		}
		c.maint = &maintenanceTask{Type: r.PathValue("type"), ID: r.PathValue("id"), StartTimestamp: c.now.Unix(), Description: string(desc)}
		c.metrics.maintenanceStarted(c.maint.Type, c.maint.ID)
		writeGin(w, 200, "Maintenance task started successfully.")
	})
}

func (s *Server) deleteMaintenance(w http.ResponseWriter, r *http.Request) {
	s.write(func(c *Cluster) {
		if c.maint == nil || c.maint.Type != r.PathValue("type") {
			writeGin(w, 404, "No maintenance task is running for this type")
			return
		}
		if c.maint.ID != r.PathValue("id") {
			writeGin(w, 409, maintenanceConflict{"Task ID does not match the current task", c.maint})
			return
		}
		c.maint = nil
		writeGin(w, 200, "Maintenance task deleted successfully.")
	})
}

func (s *Server) getMaintenance(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		if c.maint == nil {
			writeGin(w, 404, "No maintenance task is running")
			return
		}
		writeGin(w, 200, []*maintenanceTask{c.maint})
	})
}

func (s *Server) getMaintenanceType(w http.ResponseWriter, r *http.Request) {
	s.read(func(c *Cluster) {
		if c.maint == nil || c.maint.Type != r.PathValue("type") {
			writeGin(w, 404, "No maintenance task is running for this type")
			return
		}
		writeGin(w, 200, c.maint)
	})
}
