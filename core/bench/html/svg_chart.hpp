#pragma once
// A chart drawn as inline SVG from data already in plotted units (a log axis is given as
// log10 values with ticks labelled in the original units): a frame, axes with ticks and
// titles, line and bar series, a legend when there is more than one series, and "no data"
// when there is nothing to draw. No scripts, no external references.
#include <string>
#include <utility>
#include <vector>

namespace edgectl::bench::html {

struct Tick {
  double at = 0;  // plotted units
  std::string label;
};

struct Axis {
  std::string title;  // "latency (ms)"
  double min = 0, max = 1;
  std::vector<Tick> ticks;
};

struct LineSeries {
  std::string name;   // legend text
  std::string color;  // a CSS colour
  bool dashed = false;
  std::vector<std::pair<double, double>> points;  // (x, y)
};

struct Bar {
  double x0 = 0, x1 = 0, height = 0;
};

struct BarSeries {
  std::string name;
  std::string color;
  std::vector<Bar> bars;
};

struct Chart {
  std::string id;           // the <svg> element's id
  std::string title;        // the <title> (what a screen reader announces)
  std::string description;  // the <desc>
  Axis x, y;
  std::vector<BarSeries> bars;  // drawn first, half transparent, so both runs show
  std::vector<LineSeries> lines;
};

// Plain text in the chart's strings; render_svg escapes it.
std::string render_svg(const Chart& chart);

// An axis from 0 to a "nice" value >= max_value (1, 2 or 5 times a power of ten per tick),
// with ticks labelled with "," between thousands.
Axis linear_axis(std::string title, double max_value);

}  // namespace edgectl::bench::html
