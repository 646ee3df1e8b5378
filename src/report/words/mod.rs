//! The words of the report, by subject. The analysis hands the renderers typed data (`crate::model`);
//! every sentence a reader sees is built here, and nothing outside `report/` builds or inspects one.

pub mod advice;
pub mod attribution;
pub mod claims;
pub mod gaps;
pub mod members;
pub mod nodes;
pub mod timeline;
pub mod verdict;
