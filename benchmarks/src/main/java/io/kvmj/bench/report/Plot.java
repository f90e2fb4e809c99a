package io.kvmj.bench.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws the bar charts of bench/all.sh: reads a tab-separated file of
 * {@code png  chart-title  y-label  category  series  value} rows (long format, in the order the bars should
 * appear) and writes one PNG per distinct {@code png} name into the output directory; several chart titles
 * under one PNG name are drawn side by side. Rows whose value is not a number are skipped.
 *
 * <pre>java -Djava.awt.headless=true -cp benchmarks/target/benchmarks.jar io.kvmj.bench.report.Plot DATA.tsv OUTDIR</pre>
 */
public final class Plot {
    private static final int WIDTH = 560;
    private static final int WIDTH_PER_CATEGORY = 150;
    private static final int HEIGHT = 420;
    private static final Map<String, Color> COLORS = Map.of(
            "kvmj", new Color(0x1f77b4), "QEMU", new Color(0xff7f0e), "raw C VMM", new Color(0x2ca02c));

    /** One chart: its y-axis label, categories in order, and series name to value per category. */
    private record ChartData(String yLabel, List<String> categories, Map<String, Map<String, Double>> series) {}

    private Plot() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Plot DATA.tsv OUTDIR");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        // png -> chart title -> data, all in input order
        Map<String, Map<String, ChartData>> pngs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 6) {
                System.err.println("Plot: skipping malformed row: " + line);
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(f[5].trim());
            } catch (NumberFormatException e) {
                System.err.println("Plot: skipping non-numeric row: " + line);
                continue;
            }
            ChartData chart = pngs.computeIfAbsent(f[0], k -> new LinkedHashMap<>())
                    .computeIfAbsent(f[1], k -> new ChartData(f[2], new ArrayList<>(), new LinkedHashMap<>()));
            if (!chart.categories().contains(f[3])) {
                chart.categories().add(f[3]);
            }
            chart.series().computeIfAbsent(f[4], k -> new LinkedHashMap<>()).put(f[3], value);
        }
        for (var png : pngs.entrySet()) {
            List<BufferedImage> images = new ArrayList<>();
            for (var chart : png.getValue().entrySet()) {
                images.add(BitmapEncoder.getBufferedImage(build(chart.getKey(), chart.getValue())));
            }
            int width = images.stream().mapToInt(BufferedImage::getWidth).sum();
            int height = images.stream().mapToInt(BufferedImage::getHeight).max().orElse(HEIGHT);
            BufferedImage all = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = all.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int x = 0;
            for (BufferedImage image : images) {
                g.drawImage(image, x, 0, null);
                x += image.getWidth();
            }
            g.dispose();
            Path file = out.resolve(png.getKey() + ".png");
            ImageIO.write(all, "png", file.toFile());
            System.out.println("Plot: wrote " + file);
        }
    }

    private static CategoryChart build(String title, ChartData data) {
        // Wide enough that no category label is dropped and the value labels of neighbouring bars do not overlap.
        int width = Math.max(WIDTH, WIDTH_PER_CATEGORY * data.categories().size() + 120);
        CategoryChart chart = new CategoryChartBuilder().width(width).height(HEIGHT).title(title)
                .yAxisTitle(data.yLabel()).build();
        var s = chart.getStyler();
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridVerticalLinesVisible(false);
        s.setXAxisLabelRotation(data.categories().size() > 3 ? 30 : 0);
        s.setLabelsVisible(true);
        s.setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setOverlapped(false);
        for (var series : data.series().entrySet()) {
            List<Double> ys = new ArrayList<>();
            for (String c : data.categories()) {
                ys.add(series.getValue().getOrDefault(c, 0.0));
            }
            var added = chart.addSeries(series.getKey(), data.categories(), ys);
            Color color = COLORS.get(series.getKey());
            if (color != null) {
                added.setFillColor(color);
            }
        }
        return chart;
    }
}
