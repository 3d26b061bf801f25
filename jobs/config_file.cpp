#include "jobs/config_file.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace lofimap::jobs {

namespace {

constexpr std::uintmax_t kMaxBytes = 1 << 20;  // a configuration is a page of options
constexpr std::size_t kMaxNameParts = 3;       // [simulate.field] plus a key is as deep as commands go
constexpr std::size_t kMaxName = 64;           // the longest option name is 25 characters
constexpr std::size_t kMaxValues = 100000;     // elements of one array (catalogue file lists)

// A --config file must be a regular text file: a FITS header's "KEY = value" cards would read as options, a
// device such as /dev/zero would be read without end. Only the first 4 KiB are looked at for the type.
std::string config_file_problem(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "'" + path + "' is not a regular file";
  if (const auto bytes = std::filesystem::file_size(path, ec); !ec && bytes > kMaxBytes)
    return "'" + path + "' holds " + std::to_string(bytes) + " bytes; a config file may hold at most 1 MiB";
  std::ifstream in(path, std::ios::binary);
  char head[4096];
  in.read(head, sizeof head);
  const std::string text(head, static_cast<size_t>(in.gcount()));
  if (text.find('\0') != std::string::npos || text.rfind("SIMPLE  =", 0) == 0 ||
      text.rfind("\x89HDF", 0) == 0)
    return "'" + path + "' is not a TOML/INI text file";
  return "";
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

bool is_name(const std::string& s) {
  if (s.empty() || s.size() > kMaxName) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

class StrictConfig : public CLI::ConfigBase {
 public:
  explicit StrictConfig(const CLI::App* root) : root_(root) {}
  std::string path;  // set by the --config check, for messages

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::vector<CLI::ConfigItem> items;
    std::map<std::string, int> seen;  // "section.key" -> line
    std::vector<std::string> section;
    std::string line;
    int number = 0;
    const auto fail = [&](const std::string& why) {
      throw CLI::ConfigError((path.empty() ? "--config" : path) + ":" + std::to_string(number) + ": " + why);
    };
    const auto close_section = [&] {
      if (!section.empty()) items.push_back({section, "--", {}});
    };
    while (std::getline(input, line)) {
      ++number;
      if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark
      std::string text = trim(strip_comment(line, fail));
      if (text.empty()) continue;
      if (text.front() == '[') {
        if (text.back() != ']' || text.size() < 3) fail("expected [command], got '" + shorten(text) + "'");
        const auto parts = split_name(text.substr(1, text.size() - 2), fail);
        const CLI::App* command = find_command(parts);
        if (command == nullptr)
          fail("[" + CLI::detail::join(parts, ".") + "]: not a lofimap command (sections name a command)");
        close_section();
        section = parts;
        items.push_back({section, "++", {}});
        continue;
      }
      const auto eq = text.find('=');
      if (eq == std::string::npos)
        fail("expected key = value, got '" + shorten(text) + "'" +
             (text.find(':') != std::string::npos ? " (TOML separates key and value by '=')" : ""));
      auto key = split_name(trim(text.substr(0, eq)), fail);
      std::vector<std::string> parents = section;
      parents.insert(parents.end(), key.begin(), key.end() - 1);
      if (parents.size() + 1 > kMaxNameParts) fail("the name is nested deeper than lofimap's commands");
      const std::string name = key.back();
      const CLI::App* command = find_command(parents);
      if (command == nullptr) fail("'" + CLI::detail::join(parents, ".") + "' is not a lofimap command");
      if (!has_option(command, name))
        fail("'" + name + "' is not an option of '" +
             (parents.empty() ? std::string("lofimap") : "lofimap " + CLI::detail::join(parents, " ")) + "'");
      const std::string full = CLI::detail::join(parents, ".") + "." + name;
      if (const auto it = seen.find(full); it != seen.end())
        fail("'" + name + "' is given twice (first on line " + std::to_string(it->second) + ")");
      seen[full] = number;
      items.push_back({parents, name, parse_value(trim(text.substr(eq + 1)), fail)});
    }
    close_section();
    return items;
  }

 private:
  template <typename Fail>
  static std::string strip_comment(const std::string& line, const Fail& fail) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (c == '\\' && quote == '"')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#' || (c == ';' && trim(line.substr(0, i)).empty())) {
        return line.substr(0, i);
      }
    }
    if (quote) fail("a quoted string is not closed on its line");
    return line;
  }

  static std::string shorten(const std::string& s) { return s.size() > 60 ? s.substr(0, 60) + "..." : s; }

  template <typename Fail>
  static std::vector<std::string> split_name(const std::string& text, const Fail& fail) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
      const auto dot = text.find('.', start);
      const std::string part =
          trim(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (!is_name(part))
        fail("'" + shorten(part) + "' is not a name (letters, digits, '-' and '_', at most 64 characters)");
      parts.push_back(part);
      if (parts.size() > kMaxNameParts)
        fail("the name has more than " + std::to_string(kMaxNameParts) + " parts");
      if (dot == std::string::npos) return parts;
      start = dot + 1;
    }
  }

  const CLI::App* find_command(const std::vector<std::string>& parts) const {
    const CLI::App* app = root_;
    for (const auto& part : parts) {
      const CLI::App* next = nullptr;
      for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; }))
        if (sub->check_name(part)) next = sub;
      if (next == nullptr) return nullptr;
      app = next;
    }
    return app;
  }

  static bool has_option(const CLI::App* command, const std::string& name) {
    for (const CLI::Option* opt : command->get_options())
      if (opt->check_lname(name) || (name.size() == 1 && opt->check_sname(name)))
        return opt->get_configurable();
    return false;
  }

  // One value, or a one-line array of them: "text", 'text', a number, true/false.
  template <typename Fail>
  static std::vector<std::string> parse_value(const std::string& text, const Fail& fail) {
    if (text.empty()) fail("no value after '='");
    if (text.front() != '[') return {scalar(text, fail)};
    if (text.back() != ']') fail("an array must close on its line with ']'");
    std::vector<std::string> values;
    std::string body = trim(text.substr(1, text.size() - 2)), current;
    char quote = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      if (quote) {
        if (c == '\\' && quote == '"' && i + 1 < body.size()) {
          current += c;
          current += body[++i];  // an escaped character, possibly a quote
        } else {
          if (c == quote) quote = 0;
          current += c;
        }
      } else if (c == '"' || c == '\'') {
        quote = c, current += c;
      } else if (c == ',') {
        values.push_back(scalar(trim(current), fail)), current.clear();
        if (values.size() > kMaxValues) fail("an array of more than 100,000 values");
      } else {
        current += c;
      }
    }
    if (!trim(current).empty()) values.push_back(scalar(trim(current), fail));
    return values;
  }

  template <typename Fail>
  static std::string scalar(const std::string& text, const Fail& fail) {
    if (text.empty()) fail("an empty value in an array");
    const char q = text.front();
    if (q == '"' || q == '\'') {
      if (text.size() < 2 || text.back() != q) fail("a quoted string is not closed: " + shorten(text));
      std::string out;
      for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        if (q == '"' && text[i] == '\\' && i + 2 < text.size()) {
          const char e = text[++i];
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          out += text[i];
        }
      }
      return out;
    }
    for (char c : text)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == '_' ||
            c == '/'))
        fail("'" + shorten(text) + "': put text in quotes (\"...\")");
    return text;
  }

  const CLI::App* root_;
};

}  // namespace

void add_config_option(CLI::App& app) {
  auto reader = std::make_shared<StrictConfig>(&app);
  app.config_formatter(reader);
  app.set_config("--config", "", "read options from a TOML file: [command] sections, option = value lines")
      ->check(CLI::Validator(
          [reader](std::string& path) {
            reader->path = path;
            return config_file_problem(path);
          },
          "TOML", "config file"));
}

}  // namespace lofimap::jobs
