#include "euiccctl/dbus_value.h"

#include <cstdint>
#include <cstdio>

#include "euiccctl/bus.h"

namespace euiccctl {
namespace {

using nlohmann::json;

bool at_end(sd_bus_message* m) {
  int r = sd_bus_message_at_end(m, 0);
  check(r, "reading a reply");
  return r > 0;
}

void enter(sd_bus_message* m, char type, const char* contents) {
  check(sd_bus_message_enter_container(m, type, contents), "reading a reply");
}

void leave(sd_bus_message* m) {
  check(sd_bus_message_exit_container(m), "reading a reply");
}

json read_basic(sd_bus_message* m, char type) {
  union {
    uint8_t y;
    int b;
    int16_t n;
    uint16_t q;
    int32_t i;
    uint32_t u;
    int64_t x;
    uint64_t t;
    double d;
    const char* s;
  } v{};
  check(sd_bus_message_read_basic(m, type, &v), "reading a reply");
  switch (type) {
    case 'y': return v.y;
    case 'b': return v.b != 0;
    case 'n': return v.n;
    case 'q': return v.q;
    case 'i': return v.i;
    case 'u': return v.u;
    case 'x': return v.x;
    case 't': return v.t;
    case 'd': return v.d;
    case 'h': return v.i;
    default: return std::string(v.s ? v.s : "");  // s, o, g
  }
}

json read_byte_array(sd_bus_message* m) {
  const void* data = nullptr;
  size_t size = 0;
  check(sd_bus_message_read_array(m, 'y', &data, &size), "reading a reply");
  std::string hex;
  hex.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", static_cast<const uint8_t*>(data)[i]);
    hex += two;
  }
  return hex;
}

}  // namespace

json read_value(sd_bus_message* m) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  check(r, "reading a reply");
  if (r == 0) throw BusCallError("org.freedesktop.DBus.Error.InvalidArgs", "the reply is short");
  switch (type) {
    case 'v': {
      enter(m, 'v', contents);
      json value = read_value(m);
      leave(m);
      return value;
    }
    case 'a': {
      std::string element = contents;
      if (element == "y") return read_byte_array(m);
      enter(m, 'a', contents);
      bool string_keys =
          element.size() > 2 && element[0] == '{' && (element[1] == 's' || element[1] == 'o');
      json out = string_keys ? json::object() : json::array();
      while (!at_end(m)) {
        if (element[0] == '{') {
          std::string entry = element.substr(1, element.size() - 2);
          enter(m, 'e', entry.c_str());
          json key = read_value(m);
          json value = read_value(m);
          leave(m);
          if (string_keys) {
            out[key.get<std::string>()] = std::move(value);
          } else {
            out.push_back(json::array({std::move(key), std::move(value)}));
          }
        } else {
          out.push_back(read_value(m));
        }
      }
      leave(m);
      return out;
    }
    case 'r': {
      enter(m, 'r', contents);
      json out = json::array();
      while (!at_end(m)) out.push_back(read_value(m));
      leave(m);
      return out;
    }
    default: return read_basic(m, type);
  }
}

ManagedObjects read_managed_objects(sd_bus_message* m) {
  ManagedObjects objects;
  json all = read_value(m);  // a{oa{sa{sv}}}
  for (auto& [path, interfaces] : all.items()) {
    for (auto& [interface, properties] : interfaces.items()) {
      objects[path][interface] = properties;
    }
  }
  return objects;
}

}  // namespace euiccctl
