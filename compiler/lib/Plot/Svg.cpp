//===- Svg.cpp - A small writer of SVG documents --------------------------===//
#include "attnc/Plot/Svg.h"

#include "llvm/Support/Base64.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace attnc::svg;

static constexpr llvm::StringLiteral kReplacement = "\xEF\xBF\xBD"; // U+FFFD

std::string Color::hex() const {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("#%02x%02x%02x", r, g, b);
  return text;
}

std::string attnc::svg::escape(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    if (c < 0x80) {
      ++i;
      switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no C0 control but tab, newline and return.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += kReplacement;
        else
          out += static_cast<char>(c);
      }
      continue;
    }
    auto *begin = reinterpret_cast<const llvm::UTF8 *>(text.data() + i);
    unsigned length = llvm::getNumBytesForUTF8(c);
    llvm::StringRef sequence = text.substr(i, length);
    bool legal = i + length <= text.size() &&
                 llvm::isLegalUTF8Sequence(begin, begin + length);
    // U+FFFE and U+FFFF are not XML characters either.
    if (!legal || sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF") {
      out += kReplacement;
      i += legal ? length : 1;
      continue;
    }
    out += sequence;
    i += length;
  }
  return out;
}

std::string attnc::svg::number(double value) {
  double rounded = std::round(value * 100) / 100;
  if (rounded == 0)
    rounded = 0; // no "-0"
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.2f", rounded);
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.')
    text.pop_back();
  return text;
}

Document::Document(double width, double height)
    : docWidth(width), docHeight(height) {}

void Document::open(llvm::StringRef tag, Attributes attrs) {
  body += "<";
  body += tag;
  for (const auto &[name, value] : attrs) {
    body += " ";
    body += name;
    body += "=\"";
    body += escape(value);
    body += "\"";
  }
}

void Document::rect(double x, double y, double w, double h, Attributes attrs,
                    llvm::StringRef title) {
  open("rect", attrs);
  body += " x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" +
          number(w) + "\" height=\"" + number(h) + "\"";
  if (title.empty()) {
    body += "/>\n";
    return;
  }
  body += "><title>" + escape(title) + "</title></rect>\n";
}

void Document::image(double x, double y, double w, double h,
                     llvm::StringRef mimeType, llvm::StringRef data,
                     Attributes attrs) {
  open("image", attrs);
  body += " x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" +
          number(w) + "\" height=\"" + number(h) + "\" href=\"data:" +
          escape(mimeType) + ";base64," + llvm::encodeBase64(data) + "\"/>\n";
}

void Document::line(double x1, double y1, double x2, double y2,
                    Attributes attrs) {
  open("line", attrs);
  body += " x1=\"" + number(x1) + "\" y1=\"" + number(y1) + "\" x2=\"" +
          number(x2) + "\" y2=\"" + number(y2) + "\"/>\n";
}

void Document::text(double x, double y, llvm::StringRef content,
                    Attributes attrs) {
  open("text", attrs);
  body += " x=\"" + number(x) + "\" y=\"" + number(y) + "\">" +
          escape(content) + "</text>\n";
}

void Document::linearGradient(llvm::StringRef id,
                              llvm::ArrayRef<std::pair<double, Color>> stops,
                              bool vertical) {
  defs += "<linearGradient id=\"" + escape(id) + "\"";
  defs += vertical ? " x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"
                   : " x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">\n";
  for (const auto &[offset, color] : stops)
    defs += "<stop offset=\"" + number(offset * 100) + "%\" stop-color=\"" +
            color.hex() + "\"/>\n";
  defs += "</linearGradient>\n";
}

void Document::beginGroup(Attributes attrs) {
  open("g", attrs);
  body += ">\n";
  ++openGroups;
}

void Document::endGroup() {
  if (!openGroups)
    return;
  body += "</g>\n";
  --openGroups;
}

std::string Document::str() const {
  std::string w = number(docWidth), h = number(docHeight);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
                    "\">\n";
  if (!defs.empty())
    out += "<defs>\n" + defs + "</defs>\n";
  out += body;
  for (unsigned i = 0; i < openGroups; ++i)
    out += "</g>\n";
  out += "</svg>\n";
  return out;
}
