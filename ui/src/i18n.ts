// The UI's words in Vietnamese (the default) and English. Error messages from the backend come
// with their own Vietnamese text (`message_vi`); the English UI shows the backend's English one.

export type Lang = "vi" | "en";

const vi = {
  skip: "Bỏ qua thanh điều hướng",
  starting: "Đang khởi động mô hình…",
  ready: (name: string, threads: number, ms: number) =>
    `Mô hình: ${name} · ${threads} luồng · nạp trong ${ms} ms`,
  notReady: "Chưa sẵn sàng",
  navLabel: "Màn hình",
  nav: { practice: "Luyện tập", conversation: "Hội thoại", history: "Lịch sử", review: "Ôn tập", progress: "Tiến bộ", settings: "Cài đặt" },
  practice: {
    title: "Luyện viết câu",
    label: "Nhập một câu tiếng Anh",
    placeholder: "She don't like apples.",
    check: "Kiểm tra",
    checking: "Đang kiểm tra…",
    cancel: "Huỷ",
    cancelled: "Đã huỷ lần kiểm tra.",
    hints: "Gợi ý khi gõ",
    fluency: "Độ trôi chảy",
    level: "Trình độ CEFR",
    correction: "Câu đã sửa",
    noMistakes: "Câu đúng rồi, giỏi lắm!",
    explanations: "Giải thích",
    words: "Từ theo trình độ",
    unknownWord: "không có trong danh sách",
    removed: "(bỏ)",
    took: (ms: number) => `Mất ${(ms / 1000).toFixed(1)} giây`,
  },
  history: {
    title: "Lịch sử luyện tập",
    search: "Tìm trong lịch sử",
    searchPlaceholder: "ví dụ: apple, giới từ",
    type: "Loại lỗi",
    anyType: "Mọi loại lỗi",
    level: "Trình độ",
    anyLevel: "Mọi trình độ",
    since: "Thời gian",
    anyTime: "Mọi lúc",
    week: "7 ngày qua",
    month: "30 ngày qua",
    empty: "Chưa có lần luyện tập nào phù hợp.",
    more: "Xem thêm",
    delete: "Xoá",
    confirmDelete: "Xoá lần luyện tập này? Không thể hoàn tác.",
    deleted: "Đã xoá.",
    back: "Quay lại danh sách",
    detail: "Chi tiết",
    written: "Em đã viết",
    noEdits: "Không có lỗi nào.",
    open: "Xem chi tiết",
  },
  conversation: {
    title: "Luyện hội thoại",
    scenario: "Tình huống",
    level: "Trình độ",
    scenarios: {
      small_talk: "Trò chuyện làm quen",
      ordering_food: "Gọi đồ ăn",
      job_interview: "Phỏng vấn xin việc",
      travel: "Du lịch, khách sạn",
      shopping: "Mua sắm",
    } as Record<string, string>,
    restart: "Bắt đầu lại",
    placeholder: "Hello! I would like a coffee, please.",
    yourMessage: "Tin nhắn của em",
    send: "Gửi",
    stop: "Dừng",
  },
  review: {
    title: "Ôn lại lỗi của em",
    intro: "Mỗi thẻ là một câu em từng viết sai. Em sửa lại cho đúng; câu nào nhớ tốt sẽ quay lại thưa hơn.",
    nothingDue: "Không có câu nào cần ôn lúc này. Giỏi lắm!",
    finished: (n: number) => `Xong! Em đã ôn ${n} câu.`,
    progress: (i: number, n: number) => `Thẻ ${i} / ${n}`,
    fixThis: "Sửa câu này",
    hints: "Gợi ý",
    yourFix: "Câu em sửa",
    check: "Kiểm tra",
    next: "Câu tiếp theo",
    good: (when: string) => `✓ Chính xác! Ôn lại lúc ${when}.`,
    hard: (expected: string, when: string) => `✓ Cũng đúng. Đáp án đã lưu: ${expected} Ôn lại lúc ${when}.`,
    again: (expected: string, when: string) => `✗ Chưa đúng. Câu đúng là: ${expected} Ôn lại lúc ${when}.`,
  },
  progress: {
    title: "Tiến bộ của em",
    fluency: "Độ trôi chảy theo ngày",
    levels: "Phân bố trình độ CEFR",
    errors: "Các lỗi hay gặp nhất",
    attempts: "Số lần",
    average: "Điểm trung bình",
    empty: "Chưa có dữ liệu. Hãy kiểm tra vài câu ở màn hình Luyện tập nhé.",
  },
  settings: {
    title: "Cài đặt",
    language: "Ngôn ngữ giao diện",
    model: "Mô hình đang dùng",
    noModel: "Chưa có mô hình.",
    params: (n: number, mb: number, ctx: number, threads: number) =>
      `${(n / 1e6).toFixed(0)} triệu tham số · ${mb.toFixed(0)} MB · ngữ cảnh ${ctx} token · ${threads} luồng`,
    about: "Giới thiệu",
    aboutText:
      "LexiLingo chạy mô hình ngôn ngữ ngay trên máy của em, không gửi câu viết đi đâu cả.",
    licences: "Giấy phép",
    data: "Dữ liệu của em",
    dataText: "Lịch sử luyện tập nằm trên máy của em. Xuất ra để giữ bản sao hoặc chuyển sang máy khác; nhập lại không ghi đè những gì đang có.",
    exportJson: "Xuất JSON (nhập lại được)",
    exportCsv: "Xuất CSV (bảng tính)",
    exported: (path: string | null) => (path ? `Đã lưu vào ${path}` : "Đã tải tệp xuống."),
    importLabel: "Nhập từ tệp JSON đã xuất",
    imported: (n: number, skipped: number) => `Đã nhập ${n} lần luyện tập (bỏ qua ${skipped} lần đã có).`,
    diagnostics: "Chẩn đoán",
    copyDiagnostics: "Sao chép thông tin chẩn đoán",
    copied: "Đã sao chép. Em có thể dán vào thư báo lỗi.",
    copyByHand: "Không sao chép tự động được: hãy chọn nội dung bên dưới và nhấn Ctrl+C.",
  },
  errors: {
    offline:
      "Không kết nối được với LexiLingo. Hãy kiểm tra ứng dụng hoặc máy chủ còn chạy không.",
    generic: "Có lỗi xảy ra.",
  },
};

type Strings = typeof vi;

const en: Strings = {
  skip: "Skip navigation",
  starting: "Starting the model…",
  ready: (name, threads, ms) => `Model: ${name} · ${threads} threads · loaded in ${ms} ms`,
  notReady: "Not ready",
  navLabel: "Screens",
  nav: { practice: "Practice", conversation: "Conversation", history: "History", review: "Review", progress: "Progress", settings: "Settings" },
  practice: {
    title: "Practise a sentence",
    label: "Type an English sentence",
    placeholder: "She don't like apples.",
    check: "Check",
    checking: "Checking…",
    cancel: "Cancel",
    cancelled: "The check was cancelled.",
    hints: "Hints while typing",
    fluency: "Fluency",
    level: "CEFR level",
    correction: "Correction",
    noMistakes: "No mistakes, well done!",
    explanations: "Explanations",
    words: "Words by level",
    unknownWord: "in no word list",
    removed: "(remove)",
    took: (ms) => `Took ${(ms / 1000).toFixed(1)} s`,
  },
  history: {
    title: "Practice history",
    search: "Search the history",
    searchPlaceholder: "e.g. apple, preposition",
    type: "Mistake type",
    anyType: "Any type",
    level: "Level",
    anyLevel: "Any level",
    since: "When",
    anyTime: "Any time",
    week: "Last 7 days",
    month: "Last 30 days",
    empty: "No attempts match.",
    more: "Show more",
    delete: "Delete",
    confirmDelete: "Delete this attempt? This cannot be undone.",
    deleted: "Deleted.",
    back: "Back to the list",
    detail: "Details",
    written: "You wrote",
    noEdits: "No mistakes.",
    open: "Open",
  },
  conversation: {
    title: "Conversation practice",
    scenario: "Scenario",
    level: "Level",
    scenarios: {
      small_talk: "Small talk",
      ordering_food: "Ordering food",
      job_interview: "Job interview",
      travel: "Travel and hotels",
      shopping: "Shopping",
    },
    restart: "Start again",
    placeholder: "Hello! I would like a coffee, please.",
    yourMessage: "Your message",
    send: "Send",
    stop: "Stop",
  },
  review: {
    title: "Review your mistakes",
    intro: "Each card is a sentence you once got wrong. Fix it; the ones you know come back less often.",
    nothingDue: "Nothing to review right now. Well done!",
    finished: (n) => `Done! You reviewed ${n} sentence${n === 1 ? "" : "s"}.`,
    progress: (i, n) => `Card ${i} / ${n}`,
    fixThis: "Fix this sentence",
    hints: "Hints",
    yourFix: "Your fix",
    check: "Check",
    next: "Next sentence",
    good: (when) => `✓ Correct! Next review: ${when}.`,
    hard: (expected, when) => `✓ Also right. The saved answer: ${expected} Next review: ${when}.`,
    again: (expected, when) => `✗ Not yet. The correct sentence: ${expected} Next review: ${when}.`,
  },
  progress: {
    title: "Your progress",
    fluency: "Fluency by day",
    levels: "CEFR levels",
    errors: "Most frequent mistakes",
    attempts: "Attempts",
    average: "Average score",
    empty: "No data yet. Check a few sentences on the Practice screen.",
  },
  settings: {
    title: "Settings",
    language: "Interface language",
    model: "Model in use",
    noModel: "No model yet.",
    params: (n, mb, ctx, threads) =>
      `${(n / 1e6).toFixed(0)} M parameters · ${mb.toFixed(0)} MB · context ${ctx} tokens · ${threads} threads`,
    about: "About",
    aboutText:
      "LexiLingo runs its language model on your own computer; your sentences never leave it.",
    licences: "Licences",
    data: "Your data",
    dataText: "Your practice history stays on this computer. Export it to keep a copy or move it to another computer; importing never overwrites what is there.",
    exportJson: "Export JSON (re-importable)",
    exportCsv: "Export CSV (spreadsheet)",
    exported: (path) => (path ? `Saved to ${path}` : "The file was downloaded."),
    importLabel: "Import an exported JSON file",
    imported: (n, skipped) => `Imported ${n} attempt${n === 1 ? "" : "s"} (${skipped} already there, skipped).`,
    diagnostics: "Diagnostics",
    copyDiagnostics: "Copy diagnostics",
    copied: "Copied. Paste it into your bug report.",
    copyByHand: "Could not copy automatically: select the text below and press Ctrl+C.",
  },
  errors: {
    offline: "Cannot reach LexiLingo. Check that the app or the server is still running.",
    generic: "Something went wrong.",
  },
};

const STORAGE_KEY = "lexilingo.lang";

let current: Lang = (localStorage.getItem(STORAGE_KEY) as Lang | null) ?? "vi";
const listeners: Array<() => void> = [];

/** The strings of the current language. */
export function t(): Strings {
  return current === "vi" ? vi : en;
}

export function lang(): Lang {
  return current;
}

/** Switches the language, remembers it, and re-renders whoever listens. */
export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  for (const l of listeners) l();
}

export function onLangChange(listener: () => void): void {
  listeners.push(listener);
}
