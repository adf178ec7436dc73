//===- Svg.h - A small writer of SVG documents ------------------*- C++ -*-===//
//
// Just what attnc's plots draw: rectangles, text, lines, embedded pictures,
// a linear gradient, groups. Every string that reaches the document is escaped, and text is
// made valid XML 1.0 (invalid UTF-8 and control characters are replaced), so
// that whatever a tokenizer produced, the document parses.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PLOT_SVG_H
#define ATTNC_PLOT_SVG_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <utility>

namespace attnc::svg {

/// An sRGB color.
struct Color {
  unsigned char r = 0, g = 0, b = 0;
  /// "#rrggbb".
  std::string hex() const;
};

/// `text` with XML's special characters escaped, invalid UTF-8 sequences
/// and characters XML 1.0 forbids replaced by U+FFFD.
std::string escape(llvm::StringRef text);

/// Attributes of an element, in order; values are escaped when written.
using Attributes = llvm::ArrayRef<std::pair<llvm::StringRef, std::string>>;

/// Formats a coordinate or length: at most two decimals, no trailing zeros.
std::string number(double value);

class Document {
public:
  Document(double width, double height);

  double width() const { return docWidth; }
  double height() const { return docHeight; }

  void rect(double x, double y, double w, double h, Attributes attrs = {},
            llvm::StringRef title = {});
  /// An embedded raster: `data` is the file's bytes (e.g. a PNG) of type
  /// `mimeType`, drawn into the w x h box.
  void image(double x, double y, double w, double h, llvm::StringRef mimeType,
             llvm::StringRef data, Attributes attrs = {});
  void line(double x1, double y1, double x2, double y2, Attributes attrs = {});
  void text(double x, double y, llvm::StringRef content, Attributes attrs = {});
  /// A left-to-right or bottom-to-top gradient `id` through `stops`
  /// (offsets in [0, 1]), for `fill="url(#id)"`.
  void linearGradient(llvm::StringRef id,
                      llvm::ArrayRef<std::pair<double, Color>> stops,
                      bool vertical);
  void beginGroup(Attributes attrs = {});
  void endGroup();

  /// The complete document, starting with the XML declaration.
  std::string str() const;

private:
  void open(llvm::StringRef tag, Attributes attrs);

  double docWidth, docHeight;
  std::string body;
  std::string defs;
  unsigned openGroups = 0;
};

} // namespace attnc::svg

#endif // ATTNC_PLOT_SVG_H
