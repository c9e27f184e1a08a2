#include "dbus/polkit.h"

#include <cstring>

namespace euiccd::dbus {

namespace {

struct Request {
  PendingCallPtr call;
  std::string action;
  std::function<void()> granted;
};

// polkit may show an authentication dialog: give the person time to type a password.
constexpr uint64_t kInteractiveTimeoutUsec = 120ULL * 1000 * 1000;
constexpr uint64_t kTimeoutUsec = 25ULL * 1000 * 1000;

bool caller_is_root(sd_bus_message* call) {
  sd_bus_creds* creds = nullptr;
  uid_t uid = 1;
  if (sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds) >= 0) {
    if (sd_bus_creds_get_euid(creds, &uid) < 0) uid = 1;
    sd_bus_creds_unref(creds);
  }
  return uid == 0;
}

// No exception may unwind into sd-bus: what `granted` throws becomes the call's error.
void grant(Request& request) {
  try {
    request.granted();
  } catch (const Error& e) {
    request.call->fail(e);
  } catch (const std::exception& e) {
    request.call->fail(Error(Errc::Internal, e.what()));
  }
}

int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error*) {
  auto* request = static_cast<Request*>(userdata);
  const PendingCallPtr& call = request->call;
  if (call->replied()) return 0;
  const sd_bus_error* error = sd_bus_message_get_error(reply);
  if (error) {
    const bool no_polkit =
        sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
    if (no_polkit && caller_is_root(call->message())) {
      grant(*request);
      return 0;
    }
    call->fail(not_authorized("could not ask polkit whether this is allowed (" +
                              std::string(error->message ? error->message : error->name) +
                              "); action " + request->action));
    return 0;
  }
  int authorized = 0, challenge = 0;
  int r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
  if (r >= 0) r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
  if (r < 0) {
    call->fail(not_authorized("polkit gave an unreadable answer; action " + request->action));
    return 0;
  }
  if (authorized) {
    grant(*request);
    return 0;
  }
  if (challenge) {
    call->fail(not_authorized(
        "authentication is required for " + request->action +
        ": call again allowing interactive authorization (busctl --allow-interactive-"
        "authorization=yes) with a polkit agent running"));
  } else {
    call->fail(
        not_authorized("you are not allowed to do this (polkit action " + request->action + ")"));
  }
  return 0;
}

void free_request(void* userdata) {
  delete static_cast<Request*>(userdata);
}

}  // namespace

void Authorizer::check(const PendingCallPtr& call, const char* action,
                       std::function<void()> granted) {
  sdbus::Message m;
  const bool interactive = sd_bus_message_get_allow_interactive_authorization(call->message()) > 0;
  int r = sd_bus_message_new_method_call(
      bus_, m.put(), "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
      "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
  if (r >= 0)
    r = sd_bus_message_append(m, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                              call->sender(), action, 0, interactive ? 1U : 0U, "");
  if (r >= 0) {
    auto* request = new Request{call, action, std::move(granted)};
    sdbus::Slot slot;
    r = sd_bus_call_async(bus_, slot.put(), m, on_reply, request,
                          interactive ? kInteractiveTimeoutUsec : kTimeoutUsec);
    if (r >= 0) {
      // The slot frees the request after the reply, or when the bus goes away; floating, it
      // lives on when our reference goes.
      sd_bus_slot_set_destroy_callback(slot, free_request);
      sd_bus_slot_set_floating(slot, 1);
    } else {
      delete request;
    }
  }
  if (r < 0) call->fail(not_authorized(std::string("could not ask polkit: ") + std::strerror(-r)));
}

}  // namespace euiccd::dbus
