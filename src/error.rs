//! [`AppError`]: every failure the page shows, typed from where it happens
//! to the banner, which is the only place it becomes text.

use std::fmt;

use anomaly_lab_core::CoreError;

/// What went wrong, in the page's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum AppError {
    /// A file the user chose could not be read or parsed (the message names
    /// the line and column).
    File { name: String, message: String },
    /// Training or scoring failed on the CPU, or for a reason no other
    /// backend would cure (divergence, bad settings).
    Training(CoreError),
    /// The GPU failed while training or reading back; the page trains again
    /// on the CPU.
    GpuLost(CoreError),
    /// WebGPU was asked for but is not there; the page uses the CPU.
    NoWebGpu(String),
    /// `?sample=` names no built-in sample.
    UnknownSample(String),
    /// A view that cannot be shown (latent without a 2-D bottleneck, …).
    View(CoreError),
    /// A label could not be applied.
    Label(CoreError),
    /// The browser refused the download.
    Download(String),
    /// The scatter could not be drawn (no 2-D canvas context).
    Draw(String),
    /// A session file could not be opened or saved: what is wrong with it.
    Session(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { name, message } => write!(f, "{name}: {message}"),
            Self::Training(e) => write!(f, "training failed: {e}"),
            Self::GpuLost(e) => write!(
                f,
                "WebGPU failed ({e}); training again on the CPU. Your labels are kept."
            ),
            Self::NoWebGpu(why) => write!(f, "{why}; training on the CPU instead"),
            Self::UnknownSample(name) => write!(f, "unknown sample '{name}'"),
            Self::View(e) | Self::Label(e) => write!(f, "{e}"),
            Self::Download(why) => write!(f, "download failed: {why}"),
            Self::Draw(why) => write!(f, "the scatter could not be drawn: {why}"),
            Self::Session(why) => write!(f, "session file: {why}"),
        }
    }
}

impl AppError {
    /// How a training run's failure is reported: a device failure on the
    /// GPU means "train again on the CPU"; anything else is final.
    pub fn from_training(e: CoreError, on_gpu: bool) -> Self {
        if on_gpu && e.is_device() {
            Self::GpuLost(e)
        } else {
            Self::Training(e)
        }
    }

    /// Whether the page should train again on the CPU.
    pub fn retry_on_cpu(&self) -> bool {
        matches!(self, Self::GpuLost(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_device_failure_on_the_gpu_falls_back_to_the_cpu() {
        let lost = CoreError::Device("Device was destroyed".into());
        let diverged = CoreError::Diverged {
            epoch: 3,
            loss: f32::NAN,
        };
        assert!(AppError::from_training(lost.clone(), true).retry_on_cpu());
        assert!(!AppError::from_training(lost.clone(), false).retry_on_cpu());
        assert!(!AppError::from_training(diverged.clone(), true).retry_on_cpu());
        assert_eq!(
            AppError::from_training(lost, true).to_string(),
            "WebGPU failed (the device failed: Device was destroyed); training again on the CPU. \
             Your labels are kept."
        );
        assert!(AppError::from_training(diverged, true)
            .to_string()
            .starts_with("training failed: training diverged at epoch 3"));
    }

    #[test]
    fn file_errors_name_the_file_first() {
        let e = AppError::File {
            name: "ragged.csv".into(),
            message: "line 3: expected 3 fields (as in the header), found 2".into(),
        };
        assert!(e.to_string().starts_with("ragged.csv: line 3:"));
    }
}
