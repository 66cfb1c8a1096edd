package main

import (
	"os"
	"os/exec"
	"runtime"
)

// openBrowser opens url in the desktop's browser when there is a desktop;
// on a headless machine (CI, ssh) it does nothing: the URL is printed.
func openBrowser(url string) {
	var cmd *exec.Cmd
	switch {
	case runtime.GOOS == "darwin":
		cmd = exec.Command("open", url)
	case os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "":
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return
		}
		cmd = exec.Command("xdg-open", url)
	default:
		return
	}
	if cmd.Start() == nil {
		go cmd.Wait() // reap it; its exit status does not matter
	}
}
