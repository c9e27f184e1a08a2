// Talking to the person at the terminal: yes/no questions, the progress line of a job, and
// aligned tables and fields like hostnamectl's.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace euiccctl {

bool is_terminal(int fd);

// Asks on stderr and reads one line from stdin; only "y"/"yes" (any case) is a yes. End of
// input is a no.
bool ask_yes_no(const std::string& question);

// "downloading  [##########..........]  50%", fitting `width` columns.
std::string render_progress(const std::string& stage, double fraction, size_t width);

// A progress line on stderr, redrawn in place; silent when stderr is not a terminal.
class ProgressLine {
 public:
  ProgressLine();
  ~ProgressLine() { clear(); }
  void show(const std::string& stage, double fraction);
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
};

// Display width of UTF-8 text (code points; good enough for names and nicknames).
size_t display_width(const std::string& text);

void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);
// "     Label: value" lines, labels right-aligned to the longest.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);

std::string format_bytes(unsigned long long bytes);  // "1.5 MiB"

}  // namespace euiccctl
