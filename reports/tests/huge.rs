//! A huge run (20,000 points in 500 suites, more than `MAX_DRAWN_POINTS`) renders into a
//! summarized site whose size is proportional to its points: no chart per problem, no
//! navigation bar repeating every suite on every page (issue 14 item 8).

use parbench_test_support::fixture;

use parbench_reports::view::{MAX_DRAWN_POINTS, MAX_NAV_SUITES};
use parbench_reports::{Format, render_all};
use parbench_schema::results::RunResults;

/// `points` points: a few hundred built by the fixture, copied under new suite names.
fn huge(points: usize) -> RunResults {
    let mut r = fixture::synthetic_with(400, 3);
    let base = r.points.clone();
    let mut copy = 1;
    while r.points.len() < points {
        for p in &base {
            if r.points.len() == points {
                break;
            }
            let mut p = p.clone();
            p.suite = format!("{}-copy{copy}", p.suite);
            r.points.push(p);
        }
        copy += 1;
    }
    r
}

#[test]
fn a_huge_run_renders_a_summarized_site_of_bounded_size() {
    let results = huge(20_000);
    assert!(results.points.len() > MAX_DRAWN_POINTS);
    let files = render_all(&results, &[Format::Html]).unwrap();
    let suites = files.len() - 1;
    assert!(suites > MAX_NAV_SUITES, "{suites} suites");
    let total: usize = files.iter().map(|f| f.contents.len()).sum();
    // Measured: about 1.3 KB per point (the statistics table, the charts across problems, the
    // overview's heatmap); drawing every point took about 25 KB per point, and repeating the
    // navigation bar on every page about 7 KB more.
    let per_point = total / results.points.len();
    assert!(per_point < 4_000, "{total} bytes: {per_point} per point");
    let largest = files.iter().map(|f| f.contents.len()).max().unwrap();
    assert!(largest < 4_000_000, "a page of {largest} bytes");
    for f in &files {
        assert!(f.contents.contains("the report summarizes"), "{}", f.name);
    }
    let page = &files[1].contents;
    assert!(page.contains("suites (listed on the overview)"));
    assert!(!page.contains("Raw samples"), "no sample distributions");
}

#[test]
fn a_run_below_the_limit_draws_every_problem() {
    let results = huge(1_000);
    let files = render_all(&results, &[Format::Html]).unwrap();
    assert!(
        files
            .iter()
            .all(|f| !f.contents.contains("the report summarizes"))
    );
}
