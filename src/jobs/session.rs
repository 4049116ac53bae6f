//! Opening a session file over the data that is open: the same data
//! rebuilds the file's detector and replays its labels; other data gets an
//! offer to keep the labels whose rows still match.

use std::collections::HashSet;
use std::sync::Arc;

use anomaly_lab_core::session_file::{Fit, SessionFile};
use leptos::prelude::*;

use super::{cancel_training, start_run};
use crate::ctx::{Ctx, Phase};
use crate::dom::now_ms;

/// Opens a session file over the data that is open. The same data: the
/// file's detector is rebuilt from its weights in the training worker and
/// scores every row (no training), then its labels come back with the
/// layer's saved fit, so every score is as it was saved. Other data: a
/// banner says so and offers to keep the labels whose rows still match.
pub fn open_session(ctx: Ctx, file: SessionFile) {
    let Some(fit) = ctx.with_lab(|l| file.fit_to(&l.session, &l.name)) else {
        return;
    };
    ctx.view.session_offer.set(None);
    match fit {
        Fit::Same => {
            // A file saved with other layer settings (an earlier version of
            // this page, or the CLI with flags) opens too: its labels are
            // replayed under this page's settings, and the notice says so.
            // The file's labels replace this data's: ask before losing any.
            let saved: HashSet<(usize, bool)> =
                file.labels.iter().map(|l| (l.row, l.anomaly)).collect();
            let lost = ctx
                .with_lab(|l| {
                    let h = l.session.history();
                    h.iter()
                        .filter(|e| !saved.contains(&(e.row, e.anomaly)))
                        .count()
                })
                .unwrap_or(0);
            if lost > 0
                && !crate::dom::confirm(&format!(
                    "This session's labels replace the ones given here, and {lost} of those are \
                     not in it. Open it anyway? (Cancel, then Save session, keeps them in a file.)"
                ))
            {
                return;
            }
            if ctx.phase() == Phase::Training {
                cancel_training(ctx);
                ctx.job.phase.set(Phase::Idle);
            }
            ctx.spec.set(file.detector.spec.clone());
            start_run(ctx, Some(Arc::new(file)));
        }
        Fit::Other { why, matching } => ctx.view.session_offer.set(Some(Arc::new(SessionOffer {
            file,
            why,
            matching,
        }))),
    }
}

/// A session file saved for other data, with the labels of it whose rows
/// still hold the same values here.
#[derive(Debug)]
pub struct SessionOffer {
    pub file: SessionFile,
    pub why: String,
    pub matching: Vec<usize>,
}

/// Takes the matching labels of `offer` after the labels given here (none
/// of these is lost); the layer replays them.
pub fn keep_offered_labels(ctx: Ctx, offer: &SessionOffer) {
    let start = now_ms();
    let added = ctx.update_lab(|l| l.session.merge_from_file(&offer.file, &offer.matching));
    ctx.view.session_offer.set(None);
    if let Some(n) = added {
        ctx.messages.notice.set(Some(format!(
            "Kept {n} of the session's {} labels: the rows that hold the same values here.",
            offer.file.labels.len()
        )));
        ctx.labels_changed(start);
    }
}
