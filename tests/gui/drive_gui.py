#!/usr/bin/python3
"""Drives euiccd-gui through the accessibility tree (AT-SPI, python3-pyatspi), as a screen
reader user would: finds widgets by their accessible names and presses them. Starts its own
Xvfb; runs under dbus-run-session, whose bus carries the accessibility bus
(tests/gui/gui_test.cpp starts it); euiccd is on the bus given by --bus.

Steps: the list shows the card's enabled profile; "Add profile" with the activation code and
a nickname; the preview shows the ICCID and is accepted; the new profile shows up; "Enable"
it; "Top up" with the voucher; the network's answer is shown. Exits 0 when every step was seen,
1 with the step that failed and the tree as it was.

--dump only prints the tree once the window is up (for writing the steps).
--screenshots DIR saves the window (ImageMagick `import`) as DIR/gui.png and, at phone width,
DIR/gui-phone.png.
"""
import argparse
import os
import subprocess
import sys
import time

import pyatspi

DEADLINE = 20.0  # seconds for each step; a step's wait ends as soon as its widget shows


class StepFailed(Exception):
    pass


def walk(node, depth=0):
    if node is None:
        return
    yield node, depth
    try:
        count = node.childCount
    except Exception:
        return
    for i in range(count):
        try:
            child = node.getChildAtIndex(i)
        except Exception:
            continue
        yield from walk(child, depth + 1)


def showing(node):
    # GTK 4.8 does not set SHOWING; VISIBLE is what it keeps up to date.
    try:
        return node.getState().contains(pyatspi.STATE_VISIBLE)
    except Exception:
        return False


def dump(root):
    lines = []
    for node, depth in walk(root):
        try:
            lines.append("%s%s [%s]%s" % ("  " * depth, node.name, node.getRoleName(),
                                          "" if showing(node) else " (hidden)"))
        except Exception:
            pass
    return "\n".join(lines)


def wait_for(what, find, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while True:
        found = find()
        if found is not None:
            return found
        if time.monotonic() > end:
            raise StepFailed("not seen within %.0f s: %s" % (deadline, what))
        time.sleep(0.05)


class App:
    def __init__(self, name):
        self.name = name
        self.root = None

    def attach(self):
        def find_app():
            desktop = pyatspi.Registry.getDesktop(0)
            for i in range(desktop.childCount):
                app = desktop.getChildAtIndex(i)
                if app is not None and app.name == self.name:
                    return app
            return None
        self.root = wait_for("the application on the accessibility bus", find_app)

    def find(self, name, role=None, prefix=False, contains=False, within=None):
        for node, _ in walk(within or self.root):
            try:
                n = node.name.replace("_", "")  # mnemonics: "_Open Open"
            except Exception:
                continue
            # GTK 4.8 appends a button's label (or a row's title) to its accessible name:
            # "Download Download".
            if contains:
                matches = name in n
            elif prefix:
                matches = n.startswith(name)
            else:
                matches = n in (name, name + " " + name)
            if matches and showing(node):
                if role is None or node.getRoleName() == role:
                    return node
        return None

    def wait(self, name, role=None, prefix=False, deadline=DEADLINE, contains=False):
        return wait_for("%r%s" % (name, " (%s)" % role if role else ""),
                        lambda: self.find(name, role, prefix, contains), deadline)

    def window(self, title):
        """The application's window (a top-level: dialogs, the file chooser) of this title;
        looking only there keeps the search short."""
        try:
            for i in range(self.root.childCount):
                child = self.root.getChildAtIndex(i)
                if child is not None and child.name == title and showing(child):
                    return child
        except Exception:
            pass
        return None

    def wait_window(self, title):
        return wait_for("the window %r" % title, lambda: self.window(title))

    def wait_gone(self, name, prefix=False):
        wait_for("%r gone" % name,
                 lambda: True if self.find(name, prefix=prefix) is None else None)

    def window_id(self, title):
        out = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                              "^%s$" % title], check=True, capture_output=True, text=True,
                             timeout=DEADLINE).stdout.split()
        return out[0]

    def keys(self, window, *xdotool_args):
        """Sends keys (xdotool's `key` or `type` arguments) to the X window titled `window`."""
        subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^%s$" % window,
                        "windowfocus", "--sync"] + list(xdotool_args), check=True,
                       timeout=DEADLINE)

    def open_image(self, path):
        """Opens `path` through the add dialog's "Open QR image" file chooser: Ctrl+L, the
        path, "Open", as a keyboard user does."""
        chooser = "Open a QR Code Image"
        self.press("Open QR image", within="Add a profile")
        self.wait_window(chooser)
        self.keys(chooser, "key", "ctrl+l")
        self.keys(chooser, "type", "--delay", "2", path)
        self.press("Open", within=chooser)
        wait_for("%r gone" % chooser, lambda: True if self.window(chooser) is None else None)

    def screenshot(self, title, path):
        subprocess.run(["import", "-window", self.window_id(title), path], check=True,
                       timeout=DEADLINE)

    def press(self, name, role="push button", within=None):
        """Presses the button; `within`: the title of the dialog it is in."""
        scope = self.wait_window(within) if within else None
        node = wait_for("%r in %r" % (name, within),
                        lambda: self.find(name, role, within=scope))
        action = node.queryAction()
        for i in range(action.nActions):
            if action.getName(i) in ("click", "press", "activate"):
                action.doAction(i)
                return
        action.doAction(0)

    def type_into(self, window, name, text):
        """Types `text` into the entry `name`, which has the keyboard focus in the dialog
        `window`.

        GTK 4.8 offers no AT-SPI EditableText (nor Component.grabFocus), and an entry's text is
        not readable through AT-SPI either, so this types as a keyboard does: xdotool gives the
        dialog's X window the input focus and sends the keys through XTEST (--sync: they are in
        the X server's queue when it returns). GTK reads them before it answers the next
        AT-SPI request: finding the next widget takes many round trips through its main loop."""
        self.wait(name)
        subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                        "^%s$" % window, "windowfocus", "--sync", "type", "--delay", "2", text],
                       check=True, timeout=DEADLINE)


def start_xvfb(size):
    """A private X server on the first free display (Xvfb -displayfd picks it and tells us)."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", size + "x24",
                             "-nolisten", "tcp"], pass_fds=(write_end,),
                            stderr=subprocess.DEVNULL)
    os.close(write_end)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read_end, 16)
        if not chunk:
            raise StepFailed("Xvfb did not start")
        number += chunk
    os.close(read_end)
    os.environ["DISPLAY"] = ":" + number.decode().strip()
    return xvfb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gui", required=True)
    parser.add_argument("--bus", required=True)
    parser.add_argument("--code")
    parser.add_argument("--home")
    parser.add_argument("--iccid")
    parser.add_argument("--voucher")
    parser.add_argument("--qr-image", help="a QR image (qrencode) of another order's code")
    parser.add_argument("--qr-iccid")
    parser.add_argument("--blank-image", help="an image without a QR code")
    parser.add_argument("--dump", action="store_true")
    parser.add_argument("--screenshots", help="a folder for gui.png and gui-phone.png")
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args()
    xvfb = start_xvfb(args.size)

    env = dict(os.environ, GTK_A11Y="atspi", NO_AT_BRIDGE="0", GSK_RENDERER="cairo",
               GDK_BACKEND="x11")
    gui = subprocess.Popen([args.gui, "--bus", args.bus], env=env)
    app = App(os.path.basename(args.gui))
    step = "start"
    started = time.monotonic()
    last = [started]

    def timed(name):  # each step's time, for the log
        now = time.monotonic()
        print("%5.2f s  %s" % (now - last[0], name), flush=True)
        last[0] = now
        return name
    try:
        app.attach()
        step = timed("the window")
        app.wait("eSIM profiles", "frame")
        if args.dump:
            app.wait("Profile ", prefix=True)
            print(dump(app.root))
            return 0

        step = timed("list: the card's enabled profile")
        app.wait("Profile %s Home enabled" % args.home, prefix=True)
        app.wait("Free memory ", prefix=True)

        step = timed("a bad activation code: the error as a sentence")
        app.press("Add profile")
        app.type_into("Add a profile", "Activation code", "LPA:1$")
        app.press("Download", within="Add a profile")
        app.wait_window("Could not start the download")
        app.wait("Something you entered was not accepted.", prefix=True)
        app.press("Close", within="Could not start the download")
        wait_for("the error dialog gone",
                 lambda: True if app.window("Could not start the download") is None else None)

        step = timed("refuse the preview: nothing is installed")
        app.press("Add profile")
        app.type_into("Add a profile", "Activation code", args.code)
        app.press("Download", within="Add a profile")
        app.wait_window("Install this profile?")
        app.press("Refuse", within="Install this profile?")
        app.wait("Download cancelled; nothing was installed")
        if app.find("Profile %s " % args.iccid, prefix=True) is not None:
            raise StepFailed("the refused profile is in the list")

        step = timed("add a profile from the activation code")
        app.press("Add profile")
        app.type_into("Add a profile", "Activation code", args.code)
        app.press("Download", within="Add a profile")

        step = timed("the preview")
        app.wait_window("Install this profile?")
        app.wait("ICCID: %s" % args.iccid)
        app.press("Install", within="Install this profile?")

        step = timed("the new profile in the list")
        app.wait("Profile %s Travel disabled" % args.iccid, prefix=True, deadline=30)

        step = timed("rename it")
        app.press("Rename %s" % args.iccid)
        app.type_into("Rename Travel", "New nickname", "Trips")
        app.press("Rename", within="Rename Travel")
        app.wait("Profile %s Trips disabled" % args.iccid, prefix=True)

        step = timed("enable it")
        app.press("Enable %s" % args.iccid)
        app.wait("Profile %s Trips enabled" % args.iccid, prefix=True)
        app.wait("Profile %s Home disabled" % args.home, prefix=True)

        step = timed("top up")
        app.press("Top up")
        app.type_into("Top up", "Voucher code", args.voucher)
        app.press("Top Up", within="Top up")
        app.wait_window("Top-up sent")
        app.wait("The network answered: Top-up of 500 AMD accepted")
        app.press("Close", within="Top-up sent")

        step = timed("check the balance")
        app.press("Check balance")
        app.wait("Balance Balance 1500 AMD", prefix=True)
        app.wait("Balance is low", prefix=True)  # BalanceLow: under the configured 2000
        if args.screenshots:  # without the notices (they go after a few seconds each)
            subprocess.run(["xdotool", "windowsize", app.window_id("eSIM profiles"), "960", "760"],
                           check=True, timeout=DEADLINE)
            wait_for("the notices gone",
                     lambda: True if app.find("AdwToastWidget") is None else None, 60)
            app.screenshot("eSIM profiles", os.path.join(args.screenshots, "gui.png"))

        if args.qr_image:
            step = timed("add a profile from a QR image")
            app.press("Add profile")
            app.open_image(args.qr_image)
            app.press("Download", within="Add a profile")
            app.wait_window("Install this profile?")
            app.wait("ICCID: %s" % args.qr_iccid)
            app.press("Install", within="Install this profile?")
            app.wait("Profile %s " % args.qr_iccid, prefix=True, deadline=30)

            step = timed("an image without a QR code: a clear message, nothing else")
            app.press("Add profile")
            app.open_image(args.blank_image)
            app.wait_window("Not an eSIM QR code")
            app.press("Close", within="Not an eSIM QR code")
            app.press("Cancel", within="Add a profile")
            wait_for("the add dialog gone",
                     lambda: True if app.window("Add a profile") is None else None)

        step = timed("delete the old profile, after a dialog that says what is lost")
        app.press("Delete %s" % args.home)
        app.wait_window("Delete Home?")
        app.wait("is erased from the eSIM for good", contains=True)
        app.press("Delete", within="Delete Home?")
        app.wait_gone("Profile %s " % args.home, prefix=True)

        step = timed("phone width: the layout folds (one pane and a back button)")
        subprocess.run(["xdotool", "windowsize", app.window_id("eSIM profiles"), "360", "720"],
                       check=True, timeout=DEADLINE)
        app.wait("Back", "push button")
        if args.screenshots:  # once the notices and the fold's slide are over
            wait_for("the notices gone",
                     lambda: True if app.find("AdwToastWidget") is None else None, 60)
            app.screenshot("eSIM profiles", os.path.join(args.screenshots, "gui-phone.png"))
        timed("end")
        print("every step seen in %.1f s" % (time.monotonic() - started))
        return 0
    except StepFailed as e:
        print("step '%s' failed: %s" % (step, e), file=sys.stderr)
        if os.environ.get("EUICCD_GUI_TEST_FAILSHOT"):  # a picture of the failure, for people
            subprocess.run(["import", "-window", "root", os.environ["EUICCD_GUI_TEST_FAILSHOT"]],
                           check=False)
        if app.root is not None:
            print(dump(app.root), file=sys.stderr)
        return 1
    finally:
        gui.terminate()
        try:
            gui.wait(5)
        except subprocess.TimeoutExpired:
            gui.kill()
        xvfb.terminate()
        xvfb.wait()


if __name__ == "__main__":
    sys.exit(main())
