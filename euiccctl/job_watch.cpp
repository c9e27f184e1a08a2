#include "euiccctl/job_watch.h"

#include <atomic>
#include <cerrno>

#include "cli/interrupt_guard.h"
#include "euiccctl/cli_error.h"
#include "euiccctl/snapshot.h"

namespace euiccctl {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) {
  g_interrupted = true;
}

int mark_dirty(sd_bus_message*, void* userdata, sd_bus_error*) {
  *static_cast<bool*>(userdata) = true;
  return 0;
}

[[noreturn]] void cancel_and_exit(Bus& bus, const std::string& path) {
  try {
    bus.call(path, kJobInterface, "Cancel");
  } catch (const BusCallError&) {
    // Already finished or gone: nothing left to cancel.
  }
  throw CliError(kExitInterrupted, "interrupted; the job was cancelled");
}

}  // namespace

bool job_finished(const json& properties) {
  const std::string state = text(properties, "State");
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

json follow_job(Bus& bus, const std::string& path, std::chrono::milliseconds timeout,
                const JobHooks& hooks) {
  // ^C sets the flag (the wait returns): the job is cancelled and the command ends.
  g_interrupted = false;
  const euiccd::cli::InterruptGuard interrupts(on_interrupt);
  bool dirty = false;
  euiccd::sdbus::Slot changed, completed;
  check(sd_bus_match_signal(bus.get(), changed.put(), nullptr, path.c_str(),
                            "org.freedesktop.DBus.Properties", "PropertiesChanged", mark_dirty,
                            &dirty),
        "watching the job");
  check(sd_bus_match_signal(bus.get(), completed.put(), nullptr, path.c_str(), kJobInterface,
                            "Completed", mark_dirty, &dirty),
        "watching the job");

  const auto deadline = Clock::now() + timeout;
  auto read = [&]() -> json {
    try {
      return bus.get_all(path, kJobInterface);
    } catch (const BusCallError& e) {
      if (g_interrupted) cancel_and_exit(bus, path);
      if (e.name() == "org.freedesktop.DBus.Error.UnknownObject" ||
          e.name() == "org.freedesktop.DBus.Error.UnknownInterface") {
        throw CliError(kExitFailed, "the job " + path + " went away before it finished");
      }
      throw;
    }
  };

  bool asked = false;
  json properties = read();
  for (;;) {
    if (hooks.on_update) hooks.on_update(properties);
    if (job_finished(properties)) return properties;
    if (text(properties, "State") == "waiting" && !asked) {
      asked = true;
      if (hooks.on_waiting) hooks.on_waiting(properties);
      if (g_interrupted) cancel_and_exit(bus, path);
      properties = read();
      continue;
    }
    // Sleep until a signal for this job arrives, or a second passes (a missed signal then
    // costs at most that second).
    dirty = false;
    int r = 0;
    while ((r = sd_bus_process(bus.get(), nullptr)) > 0) {
    }
    if (r < 0 && r != -EINTR) check(r, "waiting for the job");
    if (!dirty && !g_interrupted) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
      auto wait = std::min<std::chrono::microseconds>(left, std::chrono::seconds(1));
      if (wait.count() > 0) {
        r = sd_bus_wait(bus.get(), static_cast<uint64_t>(wait.count()));
        if (r < 0 && r != -EINTR) check(r, "waiting for the job");
      }
    }
    if (g_interrupted) cancel_and_exit(bus, path);
    if (Clock::now() >= deadline) {
      throw CliError(kExitFailed, "the job did not finish in time; it goes on in euiccd as " +
                                      path + " (cancel it with: busctl call org.euiccd1 " + path +
                                      " org.euiccd1.Job Cancel)");
    }
    properties = read();
  }
}

}  // namespace euiccctl
