//! The page's panels, one file each. Each reads the shared [`Ctx`]
//! (`expect_context`) and keeps the `data-testid` names the browser tests
//! and users' scripts rely on.
//!
//! [`Ctx`]: crate::ctx::Ctx

mod data_panel;
mod eval_panel;
mod header;
mod label_panel;
mod queue_panel;
mod report_panel;
mod scatter_view;
mod teach_panel;
mod train_panel;

pub use data_panel::DataPanel;
pub use eval_panel::EvalPanel;
pub use header::{
    BackendBadge, ErrorBanner, LabelWarnings, Notice, SessionOfferBanner, StorageWarning,
};
pub use label_panel::LabelPanel;
pub use queue_panel::QueuePanel;
pub use report_panel::ReportPanel;
pub use scatter_view::ScatterView;
pub use teach_panel::TeachPanel;
pub use train_panel::TrainPanel;
