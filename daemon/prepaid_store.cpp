#include "daemon/prepaid_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace euiccd::daemon {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr std::uintmax_t kMaxFileSize = 4 * 1024 * 1024;

bool is_iccid_key(std::string_view key) {
  if (key.empty() || key.size() > 22) return false;
  for (char c : key)
    if (!(c >= '0' && c <= '9')) return false;
  return true;
}

json to_json(const PrepaidRecord& r) {
  json j = {{"balance", r.balance},
            {"balance_checked_at", r.balance_checked_at},
            {"plan_expires_at", r.plan_expires_at},
            {"plan_reminded_at", r.plan_reminded_at}};
  if (r.amount) j["amount"] = {{"value", r.amount->value}, {"currency", r.amount->currency}};
  return j;
}

PrepaidRecord from_json(const json& j) {
  PrepaidRecord r;
  r.balance = j.value("balance", std::string());
  r.balance_checked_at = j.value("balance_checked_at", uint64_t{0});
  r.plan_expires_at = j.value("plan_expires_at", uint64_t{0});
  r.plan_reminded_at = j.value("plan_reminded_at", uint64_t{0});
  if (auto a = j.find("amount"); a != j.end() && a->is_object())
    r.amount =
        topup::BalanceAmount{a->at("value").get<double>(), a->value("currency", std::string())};
  return r;
}

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return "cannot " + what + " " + path.string() + ": " + std::strerror(errno);
}

void write_all(int fd, const std::string& text, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(Errc::Internal, errno_text("write", path));
    done += static_cast<size_t>(n);
  }
}

}  // namespace

PrepaidStore::PrepaidStore(std::filesystem::path file) : file_(std::move(file)) {}

std::optional<std::string> PrepaidStore::load() {
  records_.clear();
  if (file_.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return std::nullopt;
  std::string problem;
  try {
    const std::uintmax_t size = std::filesystem::file_size(file_, ec);
    if (ec) throw Error(Errc::Internal, ec.message());
    if (size > kMaxFileSize) throw Error(Errc::Malformed, "larger than 4 MiB");
    std::ifstream in(file_, std::ios::binary);
    if (!in) throw Error(Errc::Internal, std::strerror(errno));
    const json doc = json::parse(in);
    if (doc.value("version", 0) != kFormatVersion)
      throw Error(Errc::Malformed, "unknown format version");
    for (const auto& [iccid, record] : doc.at("profiles").items()) {
      if (!is_iccid_key(iccid)) continue;
      records_[iccid] = from_json(record);
    }
    return std::nullopt;
  } catch (const std::exception& e) {
    problem = e.what();
  }
  records_.clear();
  std::filesystem::path aside = file_;
  aside += ".broken";
  std::filesystem::rename(file_, aside, ec);
  return "the prepaid state " + file_.string() + " could not be read (" + problem +
         "); starting without it" +
         (ec ? std::string() : ", the old file is kept as " + aside.string());
}

void PrepaidStore::save() const {
  if (file_.empty()) return;
  json profiles = json::object();
  for (const auto& [iccid, record] : records_) profiles[iccid] = to_json(record);
  const std::string text = json{{"version", kFormatVersion}, {"profiles", profiles}}.dump(1) + "\n";

  // The state directory, unless systemd (StateDirectory=) or the packager made it already.
  if (!file_.parent_path().empty()) {
    std::error_code ec;
    if (std::filesystem::create_directories(file_.parent_path(), ec))
      std::filesystem::permissions(file_.parent_path(), std::filesystem::perms::owner_all, ec);
    if (ec)
      throw Error(Errc::Internal, "cannot create the state directory " +
                                      file_.parent_path().string() + ": " + ec.message());
  }
  std::filesystem::path temporary = file_;
  temporary += ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(Errc::Internal, errno_text("create", temporary));
  try {
    write_all(fd, text, temporary);
    if (::fsync(fd) != 0) throw Error(Errc::Internal, errno_text("fsync", temporary));
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), file_.c_str()) != 0) {
    const std::string message = errno_text("replace", file_);
    ::unlink(temporary.c_str());
    throw Error(Errc::Internal, message);
  }
  // The rename itself reaches the disk with the directory.
  const int dir = ::open(file_.parent_path().empty() ? "." : file_.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

const PrepaidRecord* PrepaidStore::find(std::string_view iccid) const {
  auto it = records_.find(iccid);
  return it == records_.end() ? nullptr : &it->second;
}

PrepaidRecord& PrepaidStore::at(const std::string& iccid) {
  return records_[iccid];
}

}  // namespace euiccd::daemon
