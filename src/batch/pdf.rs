//! The PDF output: letters as PDF files beside the text ones, or all of a run in one print pack.
//! The layout and the drawing are `crate::pdf`'s; this adapter only decides where the bytes go.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use super::Error;
use super::output::{Addressed, Folders, Output, Written, letter_path, write_file};
use crate::pdf::{
    DocInfo, FontChain, Pack, PdfOptions, Placed, admit_fonts, layout_letter, render,
};
use crate::render::letter::Letter;

/// PDF letters: `OUT/<campaign>/<supporter>/<recipient>.<lang>.pdf`. With `combined()`, one
/// `OUT/<campaign>/print-pack.pdf` holds every letter of the run instead, each from a new page
/// (from a front side with `duplex()`), with a bookmark each.
pub struct PdfOutput {
    out: PathBuf,
    force: bool,
    options: PdfOptions,
    folders: Folders,
    combine: bool,
    duplex: bool,
    /// The print pack being written, from the first letter on.
    pack: Option<PackFile>,
    fonts: FontChain,
}

impl PdfOutput {
    pub fn new(out: PathBuf, force: bool, options: PdfOptions, fonts: FontChain) -> Self {
        PdfOutput {
            folders: Folders::under(&out),
            out,
            force,
            options,
            combine: false,
            duplex: false,
            pack: None,
            fonts,
        }
    }

    /// Puts every letter into one print pack, streamed to disk and moved into place by `finish`.
    pub fn combined(mut self) -> Self {
        self.combine = true;
        self
    }

    /// For a printer that prints on both sides: a blank page after each letter of an odd number
    /// of pages, so every letter starts on a front side (only with `combined`).
    pub fn duplex(mut self) -> Self {
        self.duplex = true;
        self
    }
}

/// A letter ready to be stored: its file's bytes, or its placed lines for the print pack.
pub enum PdfPrepared {
    File(PathBuf, Vec<u8>),
    Pack(Box<PackLetter>),
}

/// A letter laid out for the print pack.
pub struct PackLetter {
    /// Where the letter would be as a file of its own (what the summary counts).
    path: PathBuf,
    placed: Placed,
    campaign_id: String,
    /// Its entry in the pack's outline.
    bookmark: String,
    lang: String,
    /// The letter's date: the pack's is the first letter's.
    date: chrono::NaiveDate,
}

/// The outline entry of a letter: "Eva Muster → Prosecutor General (ru)". The name is the one
/// printed under the letter (initials when she asked for them), so the file never tells more
/// than the paper does.
fn bookmark(letter: &Letter, to: &Addressed) -> String {
    let who = if letter.signature.is_empty() {
        "Blank letter"
    } else {
        &letter.signature
    };
    let title = to
        .recipient
        .title
        .get(&letter.lang)
        .unwrap_or(&letter.recipient_id);
    let copy = if letter.copy { ", copy" } else { "" };
    format!("{who} → {title} ({}{copy})", letter.lang)
}

impl Output for PdfOutput {
    type Prepared = PdfPrepared;

    fn name(&self) -> &'static str {
        "pdf"
    }

    fn needs_parts(&self) -> bool {
        true
    }

    fn collects(&self) -> bool {
        self.combine
    }

    fn admit(&mut self, letter: &Letter) {
        admit_fonts(&mut self.fonts, letter);
    }

    fn prepare(
        &self,
        letter: Letter,
        to: &Addressed,
    ) -> crate::batch::Result<(PdfPrepared, Vec<String>)> {
        let path = letter_path(&self.out, &letter, to.slug, "pdf");
        let what = format!(
            "the {} letter to `{}` ({})",
            letter.lang, letter.recipient_id, to.slug
        );
        let mut warnings = Vec::new();
        // An entry without a postal address is written to by fax or email: its page goes in no
        // envelope, and is not held to a window (as `check` judges it).
        let options = if to.recipient.address.is_empty() {
            self.options.without_envelope()
        } else {
            self.options
        };
        if self.combine {
            let placed = layout_letter(&self.fonts, &options, &letter, &what, &mut warnings)?;
            let prepared = PdfPrepared::Pack(Box::new(PackLetter {
                path,
                placed,
                bookmark: bookmark(&letter, to),
                lang: letter.lang.to_string(),
                date: letter.date,
                campaign_id: letter.campaign_id,
            }));
            return Ok((prepared, warnings));
        }
        let bytes = render(&self.fonts, &options, &letter, &what, &mut warnings)?;
        Ok((PdfPrepared::File(path, bytes), warnings))
    }

    fn write(&mut self, prepared: PdfPrepared, _to: &Addressed) -> crate::batch::Result<Written> {
        let letter = match prepared {
            PdfPrepared::File(path, bytes) => {
                self.folders.ensure(&path)?;
                return write_file(&path, &bytes, self.force);
            }
            PdfPrepared::Pack(letter) => letter,
        };
        if self.pack.is_none() {
            let path = self.out.join(&letter.campaign_id).join("print-pack.pdf");
            let info = DocInfo {
                title: letter.campaign_id.clone(),
                subject: letter.campaign_id.clone(),
                date: Some(letter.date),
                pdfa: self.options.pdfa,
                ..DocInfo::default()
            };
            self.pack = Some(PackFile::start(&mut self.folders, path, info, self.duplex));
        }
        if let Some(pack) = &mut self.pack {
            pack.add(&self.options, &letter, &self.fonts);
        }
        // Collected: on disk once `finish` has moved the pack into place.
        Ok(Written::New(letter.path))
    }

    fn finish(&mut self) -> crate::batch::Result<Option<Written>> {
        match self.pack.take() {
            Some(pack) => pack.finish(self.force).map(Some),
            None => Ok(None),
        }
    }
}

/// The print pack being written: to a temporary file beside the place it goes (so a crash or a
/// failure never leaves half a pack under its name), moved there by `finish`.
struct PackFile {
    path: PathBuf,
    tmp: PathBuf,
    state: PackState,
}

enum PackState {
    Writing(Box<Pack<BufWriter<File>>>),
    /// Why the pack cannot be written, kept for `finish` to report (the letters after a failure
    /// are still counted, then none is on disk).
    Failed(Error),
    /// Moved into place, or removed.
    Done,
}

impl PackFile {
    /// Creates the temporary file of the pack that goes to `path`, never through a symbolic link.
    fn start(folders: &mut Folders, path: PathBuf, info: DocInfo, duplex: bool) -> PackFile {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("print-pack.pdf");
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let state = (|| {
            folders.ensure(&path)?;
            if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
                return Err(Error::LinkAtFile(path.clone()));
            }
            let file = create_new(&tmp).map_err(|source| write_error(&path, source))?;
            Pack::new(BufWriter::with_capacity(1 << 20, file), info, duplex)
                .map_err(|source| write_error(&path, source))
        })();
        let state = match state {
            Ok(pack) => PackState::Writing(Box::new(pack)),
            Err(e) => PackState::Failed(e),
        };
        PackFile { path, tmp, state }
    }

    /// Draws a letter into the pack; a failure is kept for `finish`.
    fn add(&mut self, options: &PdfOptions, letter: &PackLetter, fonts: &FontChain) {
        let PackState::Writing(pack) = &mut self.state else {
            return;
        };
        if let Err(source) = pack.add(
            &options.layout,
            &letter.placed,
            fonts,
            &letter.bookmark,
            &letter.lang,
        ) {
            self.state = PackState::Failed(write_error(&self.path, source));
        }
    }

    /// Ends the pack and moves it into place, never over a different file unless `force`.
    fn finish(mut self, force: bool) -> crate::batch::Result<Written> {
        let result = match std::mem::replace(&mut self.state, PackState::Done) {
            PackState::Writing(pack) => {
                let end = || -> std::io::Result<()> {
                    let file = pack.finish()?.into_inner().map_err(|e| e.into_error())?;
                    // One flush for the whole pack before it takes its name: a crash then
                    // leaves the old pack or the new one, never a truncated one under the name.
                    file.sync_all()
                };
                end()
                    .map_err(|source| write_error(&self.path, source))
                    .and_then(|()| place(&self.tmp, &self.path, force))
            }
            PackState::Failed(e) => Err(e),
            PackState::Done => Ok(Written::Unchanged(self.path.clone())),
        };
        if !matches!(result, Ok(Written::New(_) | Written::Replaced(_))) {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }
}

impl Drop for PackFile {
    /// A run that ended before `finish` (it could not go on) leaves no temporary file behind.
    fn drop(&mut self) {
        if !matches!(self.state, PackState::Done) {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// A new file at `tmp`, never one that is there: a link planted at the name is removed, not
/// followed, as is a file a crash left.
fn create_new(tmp: &Path) -> std::io::Result<File> {
    let create = || {
        crate::model::fs::open_no_follow(
            std::fs::OpenOptions::new().write(true).create_new(true),
            tmp,
        )
    };
    match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            create()
        }
        other => other,
    }
}

/// Moves the finished pack at `tmp` to `path` as `output::write_file` does a letter: without
/// replacing a file that is there (one `renameat2(RENAME_NOREPLACE)` on Linux, else a hard link),
/// leaving one with the same bytes alone, and replacing a different one only with `force`. The
/// comparison reads both files in blocks: a pack can be gigabytes.
fn place(tmp: &Path, path: &Path, force: bool) -> crate::batch::Result<Written> {
    let attempt = || -> std::io::Result<crate::batch::Result<Written>> {
        if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
            return Ok(Err(Error::LinkAtFile(path.to_path_buf())));
        }
        if crate::batch::output::move_into_place(tmp, path)? {
            return Ok(Ok(Written::New(path.to_path_buf())));
        }
        if let Some(refused) = crate::batch::output::not_a_file(path)? {
            return Ok(Err(refused));
        }
        let (same, empty) = compare(tmp, path)?;
        if same {
            Ok(Ok(Written::Unchanged(path.to_path_buf())))
        } else if force || empty {
            std::fs::rename(tmp, path)?;
            Ok(Ok(Written::Replaced(path.to_path_buf())))
        } else {
            Ok(Err(Error::Exists(path.to_path_buf())))
        }
    };
    attempt().unwrap_or_else(|source| Err(write_error(path, source)))
}

/// Whether the files `a` and `b` hold the same bytes, and whether `b` is empty; `b` is never
/// read through a symbolic link.
fn compare(a: &Path, b: &Path) -> std::io::Result<(bool, bool)> {
    let mut a = File::open(a)?;
    let mut b = crate::model::fs::open_no_follow(std::fs::OpenOptions::new().read(true), b)?;
    let b_meta = b.metadata()?;
    if !b_meta.is_file() {
        return Err(std::io::Error::other(
            "something other than a file stands there",
        ));
    }
    let (a_len, b_len) = (a.metadata()?.len(), b_meta.len());
    if a_len != b_len {
        return Ok((false, b_len == 0));
    }
    let (mut x, mut y) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok((true, b_len == 0));
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok((false, false));
        }
    }
}
