use super::*;

#[test]
fn the_colour_table_is_within_one_of_the_exact_colour() {
    let table = ColourTable::new();
    for k in -40_000..=40_000 {
        let s = k as f32 * 0.0005;
        let (a, b) = (table.get(s), score_colour(s));
        assert!(
            a.iter().zip(&b).all(|(x, y)| x.abs_diff(*y) <= 1),
            "{s}: {a:?} vs {b:?}"
        );
    }
    assert_eq!(table.get(1e9), score_colour(1e9));
    assert_eq!(table.get(-1e9), score_colour(-1e9));
    assert_eq!(table.get(0.0), score_colour(0.0));
}

#[test]
fn density_darkens_with_the_rows_a_pixel_holds() {
    let c = [240, 200, 60];
    assert_eq!(density_shade(c, 0, 100), c);
    assert_eq!(density_shade(c, 1, 100), c);
    assert_eq!(density_shade(c, 5, 1), c);
    assert_eq!(density_shade(c, 100, 100), [96, 80, 24]);
    assert_eq!(
        density_shade(c, 500, 100),
        [96, 80, 24],
        "never past the fullest"
    );
    let shades: Vec<u8> = [1, 2, 10, 50, 100]
        .iter()
        .map(|&k| density_shade(c, k, 100)[0])
        .collect();
    assert!(shades.windows(2).all(|w| w[0] > w[1]), "{shades:?}");
}

#[test]
fn rank_scores_spread_evenly_and_keep_the_order() {
    let s = [10.0, -3.0, 0.5, 0.5, f32::NAN, 1e6];
    let r = rank_scores(&s);
    assert!(r[4].is_nan());
    assert!(r[1] < r[2] && r[2] == r[3] && r[3] < r[0] && r[0] < r[5]);
    // Five finite rows at mid-rank percentiles 0.1, 0.4, 0.4 (the tied
    // pair shares ranks 1–2), 0.7, 0.9.
    assert!((r[2] - (0.4f32 / 0.6).ln()).abs() < 1e-5, "{}", r[2]);
    assert!(
        rank_scores(&[1.0, 2.0, 3.0])[1].abs() < 1e-6,
        "the median is 0"
    );
    assert!((r[5] + r[1]).abs() < 1e-5, "symmetric: {} {}", r[5], r[1]);
    assert!(r[5] <= 6.0);
    assert!(rank_scores(&[]).is_empty());
}

#[test]
fn a_placed_grid_is_kept_only_for_its_view_area_and_rows() {
    let area = PlotArea {
        left: 10,
        top: 10,
        width: 100,
        height: 100,
    };
    let coords = [0.0, 0.0, 1.0, 1.0, 5.0, 5.0];
    let view = ViewRect::fit(&coords[..4]);
    let g = HitGrid::place(area, view, &coords);
    assert!(g.fits(area, view, 3));
    assert!(!g.fits(area, view, 4), "other rows");
    assert!(
        !g.fits(PlotArea { width: 90, ..area }, view, 3),
        "another area"
    );
    let zoomed = ViewRect {
        x1: view.x1 * 2.0,
        ..view
    };
    assert!(!g.fits(area, zoomed, 3), "another view");
    assert!(!HitGrid::default().fits(area, view, 0), "never placed");
    // (5, 5) is outside the view: not on the canvas, never hit.
    assert!(g.screen()[2].0.is_nan());
    let (x, y) = g.screen()[1];
    assert_eq!(g.nearest(x as f64, y as f64, 4.0), Some(1));
}

#[test]
fn a_grid_placed_in_steps_is_the_grid_placed_at_once() {
    let area = PlotArea {
        left: 7,
        top: 3,
        width: 300,
        height: 200,
    };
    let coords: Vec<f32> = (0..2_000)
        .map(|i| ((i * 7919) % 1009) as f32 / 50.0 - 3.0)
        .collect();
    let view = ViewRect {
        x0: -2.0,
        x1: 15.0,
        y0: -1.0,
        y1: 12.0,
    };
    let whole = HitGrid::place(area, view, &coords);
    let mut placing = Placing::new(area, view, coords.len() / 2);
    let mut steps = 0;
    while !placing.step(&coords, 77) {
        steps += 1;
    }
    assert_eq!(steps, 1_000 / 77);
    let stepped = placing.finish();
    assert!(stepped.fits(area, view, 1_000));
    assert_eq!(stepped.starts, whole.starts);
    assert_eq!(stepped.items, whole.items);
    let bits = |g: &HitGrid| -> Vec<(u32, u32)> {
        g.screen
            .iter()
            .map(|p| (p.0.to_bits(), p.1.to_bits()))
            .collect()
    };
    assert_eq!(bits(&stepped), bits(&whole));
    // Some points are off the view, and none of them is in the grid.
    let off = whole.screen.iter().filter(|p| p.0.is_nan()).count();
    assert!(off > 0 && off < 1_000);
    assert_eq!(whole.items.len(), 1_000 - off);
    // The same grid as one built from the placed points.
    let built = HitGrid::build(area, whole.screen.clone());
    assert_eq!(built.items, whole.items);
}

#[test]
fn grid_finds_the_nearest_point() {
    let area = PlotArea {
        left: 10,
        top: 10,
        width: 100,
        height: 100,
    };
    let screen = vec![
        (20.0, 20.0),
        (22.0, 21.0),
        (90.0, 90.0),
        (f32::NAN, f32::NAN),
    ];
    let g = HitGrid::build(area, screen);
    assert_eq!(g.nearest(21.8, 21.0, 8.0), Some(1));
    assert_eq!(g.nearest(19.0, 19.0, 8.0), Some(0));
    assert_eq!(g.nearest(60.0, 60.0, 8.0), None);
    assert_eq!(g.nearest(95.0, 95.0, 8.0), Some(2));
}

#[test]
fn zoom_keeps_the_point_under_the_cursor() {
    let mut v = ViewRect {
        x0: 0.0,
        x1: 10.0,
        y0: 0.0,
        y1: 10.0,
    };
    v.zoom(0.5, 0.2, 0.2);
    assert!((v.x0 + 0.2 * (v.x1 - v.x0) - 2.0).abs() < 1e-12);
    assert!((v.y1 - 0.2 * (v.y1 - v.y0) - 8.0).abs() < 1e-12);
    assert!((v.x1 - v.x0 - 5.0).abs() < 1e-12);
}
