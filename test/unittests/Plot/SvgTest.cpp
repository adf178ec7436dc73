//===- SvgTest.cpp - The SVG writer ---------------------------------------===//
#include "attnc/Plot/Svg.h"

#include <gtest/gtest.h>

using namespace attnc::svg;

namespace {

TEST(SvgEscape, EscapesMarkup) {
  EXPECT_EQ(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
}

TEST(SvgEscape, KeepsValidUtf8AndWhitespace) {
  EXPECT_EQ(escape("caf\xC3\xA9 \xE2\x86\x92\t\n"),
            "caf\xC3\xA9 \xE2\x86\x92\t\n");
}

TEST(SvgEscape, ReplacesWhatXmlForbids) {
  const std::string replacement = "\xEF\xBF\xBD";
  // Control bytes, a lone continuation byte, a truncated sequence, an
  // overlong encoding and U+FFFF.
  EXPECT_EQ(escape(std::string("a\x01"
                               "b",
                               3)),
            "a" + replacement + "b");
  EXPECT_EQ(escape(std::string("\0", 1)), replacement);
  EXPECT_EQ(escape("\x80x"), replacement + "x");
  EXPECT_EQ(escape("\xE2\x86"), replacement + replacement);
  EXPECT_EQ(escape("\xC0\xAF"), replacement + replacement);
  EXPECT_EQ(escape("\xEF\xBF\xBF"), replacement);
}

TEST(SvgNumber, AtMostTwoDecimals) {
  EXPECT_EQ(number(3), "3");
  EXPECT_EQ(number(2.5), "2.5");
  EXPECT_EQ(number(1.0 / 3), "0.33");
  EXPECT_EQ(number(-0.001), "0");
  EXPECT_EQ(number(-12.345), "-12.35");
}

TEST(SvgDocument, WritesElementsInOrder) {
  Document doc(120.5, 80);
  doc.linearGradient("g", {{0, Color{0, 0, 0}}, {1, Color{255, 128, 1}}},
                     /*vertical=*/true);
  doc.beginGroup({{"class", "panel"}});
  doc.rect(1, 2, 3, 4, {{"fill", "#ff0000"}}, "tip <1>");
  doc.text(5, 6, "a&b", {{"font-size", "10"}});
  doc.line(0, 0, 1, 1);
  std::string text = doc.str();
  EXPECT_EQ(text.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(text.find("width=\"120.5\" height=\"80\" viewBox=\"0 0 120.5 80\""),
            std::string::npos);
  EXPECT_NE(text.find("<stop offset=\"100%\" stop-color=\"#ff8001\"/>"),
            std::string::npos);
  EXPECT_NE(text.find("<rect fill=\"#ff0000\" x=\"1\" y=\"2\" width=\"3\" "
                      "height=\"4\"><title>tip &lt;1&gt;</title></rect>"),
            std::string::npos);
  EXPECT_NE(text.find("<text font-size=\"10\" x=\"5\" y=\"6\">a&amp;b</text>"),
            std::string::npos);
  // The open group is closed before </svg>.
  EXPECT_NE(text.find("</g>\n</svg>\n"), std::string::npos);
  EXPECT_LT(text.find("<defs>"), text.find("<g class"));
}

} // namespace
