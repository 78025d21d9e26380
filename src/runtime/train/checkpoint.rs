//! Checkpoints: one file holding the loop state (JSON), the model record, the
//! optimizer state and the EMA shadow (burn binary records), written atomically.
//!
//! Layout (version 2): `ICONCKPT2\n`, then four sections, each a
//! little-endian u64 length followed by its bytes: state JSON, model,
//! optimizer, EMA (empty when off); then the CRC-32 (`crc32fast`) of
//! everything before it, little-endian u32. A flipped byte anywhere is
//! E0704 instead of a silent resume from damaged weights. Version 1 files
//! (no checksum) still resume.

use crate::diag::Code;
use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};

const MAGIC: &[u8] = b"ICONCKPT2\n";
/// The format before the checksum; read, never written.
const MAGIC_V1: &[u8] = b"ICONCKPT1\n";

/// Where the loop stands. With the run seed this is the whole RNG state: batch
/// order and augmentations are pure functions of (seed, epoch, batch), so a
/// resumed run skips `batch_in_epoch` batches and continues bit for bit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Current epoch (0-based).
    pub epoch: usize,
    /// Batches of `epoch` already consumed.
    pub batch_in_epoch: usize,
    /// Optimizer steps taken.
    pub step: usize,
    /// Run seed.
    pub seed: u64,
    /// Loss of every step so far.
    #[serde(with = "f64_bits")]
    pub step_losses: Vec<f64>,
    /// Mean loss of every finished epoch.
    #[serde(with = "f64_bits")]
    pub epoch_losses: Vec<f64>,
}

/// Floats stored as their IEEE bits: JSON text does not round-trip every f64
/// exactly (serde_json's default parser can be off by one ulp), and resume must be bit-exact.
mod f64_bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| x.to_bits())
            .collect::<Vec<u64>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<u64>::deserialize(d)?
            .into_iter()
            .map(f64::from_bits)
            .collect())
    }
}

/// The sections of a checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// Loop state.
    pub state: TrainState,
    /// Model record bytes.
    pub model: Vec<u8>,
    /// Optimizer record bytes.
    pub optimizer: Vec<u8>,
    /// EMA shadow record bytes (empty when EMA is off).
    pub ema: Vec<u8>,
}

impl Checkpoint {
    /// Serializes the checkpoint.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Diagnostic> {
        let state = serde_json::to_vec(&self.state).map_err(|e| {
            Diagnostic::bare(
                Code::BadCheckpoint,
                format!("cannot encode the checkpoint state: {e}"),
            )
        })?;
        let mut out = MAGIC.to_vec();
        for section in [&state, &self.model, &self.optimizer, &self.ema] {
            out.extend_from_slice(&(section.len() as u64).to_le_bytes());
            out.extend_from_slice(section);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Parses bytes written by [`Checkpoint::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Diagnostic> {
        let rest = if let Some(body) = bytes.strip_prefix(MAGIC) {
            let (body, crc) = body
                .split_last_chunk::<4>()
                .ok_or_else(|| corrupt("truncated"))?;
            let stored = u32::from_le_bytes(*crc);
            if crc32fast::hash(&bytes[..bytes.len() - 4]) != stored {
                return Err(corrupt("its checksum does not match (the file is damaged)"));
            }
            body
        } else {
            bytes
                .strip_prefix(MAGIC_V1)
                .ok_or_else(|| corrupt("not an iconc checkpoint"))?
        };
        let mut sections = Vec::with_capacity(4);
        let mut rest = rest;
        for _ in 0..4 {
            let (len, tail) = rest
                .split_at_checked(8)
                .ok_or_else(|| corrupt("truncated"))?;
            let mut len8 = [0u8; 8];
            len8.copy_from_slice(len);
            let n = usize::try_from(u64::from_le_bytes(len8)).map_err(|_| corrupt("bad length"))?;
            let (body, tail) = tail
                .split_at_checked(n)
                .ok_or_else(|| corrupt("truncated"))?;
            sections.push(body.to_vec());
            rest = tail;
        }
        let mut it = sections.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let state_bytes = next();
        let state: TrainState = serde_json::from_slice(&state_bytes)
            .map_err(|e| corrupt(&format!("bad state: {e}")))?;
        Ok(Checkpoint {
            state,
            model: next(),
            optimizer: next(),
            ema: next(),
        })
    }
}

fn corrupt(what: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::BadCheckpoint,
        format!("the checkpoint is unreadable: {what}"),
    )
    .with_help("resume from a run directory written by this version of iconc, or start a fresh run")
}

/// An E0704 diagnostic for a burn record error.
pub fn record_error(what: &str, e: &burn::record::RecorderError) -> Diagnostic {
    Diagnostic::bare(Code::BadCheckpoint, format!("cannot save or restore the {what}: {e}"))
        .with_help("the checkpoint does not match this method; resume with the method file the run was started with")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_truncation() {
        let c = Checkpoint {
            state: TrainState {
                epoch: 2,
                batch_in_epoch: 3,
                step: 11,
                seed: 7,
                step_losses: vec![1.5, 0.25],
                epoch_losses: vec![1.0],
            },
            model: vec![1, 2, 3],
            optimizer: vec![],
            ema: vec![9; 5],
        };
        let b = c.to_bytes().unwrap();
        let d = Checkpoint::from_bytes(&b).unwrap();
        assert_eq!(d.state, c.state);
        assert_eq!((d.model, d.optimizer, d.ema), (c.model, c.optimizer, c.ema));
        assert!(Checkpoint::from_bytes(&b[..b.len() - 1]).is_err());
        assert!(Checkpoint::from_bytes(b"garbage").is_err());
    }

    #[test]
    fn a_flipped_byte_anywhere_is_refused() {
        let c = Checkpoint {
            model: vec![7; 64],
            ..Default::default()
        };
        let b = c.to_bytes().unwrap();
        for i in 0..b.len() {
            let mut damaged = b.clone();
            damaged[i] ^= 0x10;
            let e = Checkpoint::from_bytes(&damaged).unwrap_err();
            assert_eq!(e.code, Code::BadCheckpoint, "byte {i}");
        }
    }

    #[test]
    fn version_1_checkpoints_still_resume() {
        let c = Checkpoint {
            model: vec![1, 2, 3],
            ..Default::default()
        };
        let v2 = c.to_bytes().unwrap();
        let mut v1 = MAGIC_V1.to_vec();
        v1.extend_from_slice(&v2[MAGIC.len()..v2.len() - 4]);
        assert_eq!(Checkpoint::from_bytes(&v1).unwrap().model, vec![1, 2, 3]);
    }
}
