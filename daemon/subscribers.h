// A list of callbacks for one event, in place of a single std::function slot that every
// interested party has to chain by hand. subscribe() returns a Token; the callback stays until
// the token is destroyed (or reset), so an object unsubscribes by going away:
//
//   Subscribers<const std::shared_ptr<Euicc>&> added;
//   Subscribers<...>::Token token = added.subscribe([this](const auto& e) { publish(e); });
//   added.notify(euicc);  // every subscriber, in the order they subscribed
//
// Loop-thread only (no locking). A callback may subscribe or unsubscribe while notify() runs:
// one unsubscribed meanwhile is not called, one subscribed meanwhile waits for the next event.
// A token may outlive its list.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace euiccd::daemon {

template <typename... Args>
class Subscribers {
  struct Entry {
    uint64_t id;
    std::shared_ptr<std::function<void(Args...)>> callback;
  };
  struct List {
    std::vector<Entry> entries;
    uint64_t next_id = 1;
  };

 public:
  using Callback = std::function<void(Args...)>;

  class Token {
   public:
    Token() = default;
    ~Token() { reset(); }
    Token(Token&& other) noexcept
        : list_(std::move(other.list_)), id_(std::exchange(other.id_, 0)) {}
    Token& operator=(Token&& other) noexcept {
      if (this != &other) {
        reset();
        list_ = std::move(other.list_);
        id_ = std::exchange(other.id_, 0);
      }
      return *this;
    }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    // Unsubscribes now.
    void reset() {
      if (auto list = list_.lock())
        std::erase_if(list->entries, [this](const Entry& e) { return e.id == id_; });
      list_.reset();
      id_ = 0;
    }
    bool subscribed() const { return id_ != 0 && !list_.expired(); }

   private:
    friend class Subscribers;
    Token(std::weak_ptr<List> list, uint64_t id) : list_(std::move(list)), id_(id) {}
    std::weak_ptr<List> list_;
    uint64_t id_ = 0;
  };

  [[nodiscard]] Token subscribe(Callback callback) {
    const uint64_t id = list_->next_id++;
    list_->entries.push_back({id, std::make_shared<Callback>(std::move(callback))});
    return Token(list_, id);
  }

  void notify(Args... args) const {
    std::vector<uint64_t> ids;
    ids.reserve(list_->entries.size());
    for (const Entry& e : list_->entries) ids.push_back(e.id);
    for (const uint64_t id : ids) {
      std::shared_ptr<Callback> callback;
      for (const Entry& e : list_->entries)
        if (e.id == id) callback = e.callback;
      if (callback && *callback) (*callback)(args...);
    }
  }

  size_t size() const { return list_->entries.size(); }
  bool empty() const { return list_->entries.empty(); }

 private:
  std::shared_ptr<List> list_ = std::make_shared<List>();
};

}  // namespace euiccd::daemon
